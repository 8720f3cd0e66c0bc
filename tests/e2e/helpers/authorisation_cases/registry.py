"""The authorisation matrix's requests for the registry service's methods (see __init__.py)."""

from __future__ import annotations

import uuid

from google.protobuf.field_mask_pb2 import FieldMask
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, once, request_id
from tests.e2e.helpers.community import register_member
from tests.e2e.helpers.ids import new_id_number

R = "linli.registry.v1.RegistryService/"
REPORTS = "linli.registry.v1.ReportService/"
WEEK = "2026-06-15"  # a Monday that has ended
YEAR = 2025


def short() -> str:
    return uuid.uuid4().hex[:8]


async def unit(world: World, parent_id: str, kind: int, name: str | None = None) -> str:
    created = await world.api.registry.CreateOrgUnit(
        reg.CreateOrgUnitRequest(request_id=request_id(), parent_id=parent_id, kind=kind, name=name or short()),
        metadata=world.api.admin,
    )
    return created.org_unit.id


async def member(world: World, place: Place) -> str:
    return (await register_member(world.api, place.grid_id, name="矩阵新")).id


async def post(world: World, place: Place) -> str:
    created = await world.api.registry.CreateServicePost(
        reg.CreateServicePostRequest(
            request_id=request_id(), community_id=place.community_id, name=f"岗位{short()}", capacity=5
        ),
        metadata=world.api.admin,
    )
    return created.post.id


async def team(world: World, place: Place) -> str:
    created = await world.api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id=request_id(),
            org_unit_id=place.community_id,
            kind=reg.TEAM_KIND_PARTY_MEMBER,
            name=f"服务队{short()}",
        ),
        metadata=world.api.admin,
    )
    return created.team.id


# ---- the org tree ----------------------------------------------------------------------------------------------


@case(R + "CreateOrgUnit")
async def create_org_unit(world: World, place: Place, role: Role) -> reg.CreateOrgUnitRequest:
    return reg.CreateOrgUnitRequest(
        request_id=request_id(), parent_id=place.community_id, kind=reg.ORG_UNIT_KIND_GRID, name=f"网格{short()}"
    )


@case(R + "GetOrgUnit")
async def get_org_unit(world: World, place: Place, role: Role) -> reg.GetOrgUnitRequest:
    return reg.GetOrgUnitRequest(org_unit_id=place.community_id)


@case(R + "RenameOrgUnit")
async def rename_org_unit(world: World, place: Place, role: Role) -> reg.RenameOrgUnitRequest:
    grid = await unit(world, place.community_id, reg.ORG_UNIT_KIND_GRID)
    return reg.RenameOrgUnitRequest(request_id=request_id(), org_unit_id=grid, name=f"改名{short()}")


@case(R + "MoveOrgUnit")
async def move_org_unit(world: World, place: Place, role: Role) -> reg.MoveOrgUnitRequest:
    building = await unit(world, place.grid_id, reg.ORG_UNIT_KIND_BUILDING)
    return reg.MoveOrgUnitRequest(request_id=request_id(), org_unit_id=building, new_parent_id=place.community_id)


@case(R + "CloseOrgUnit")
async def close_org_unit(world: World, place: Place, role: Role) -> reg.CloseOrgUnitRequest:
    grid = await unit(world, place.community_id, reg.ORG_UNIT_KIND_GRID)
    return reg.CloseOrgUnitRequest(request_id=request_id(), org_unit_id=grid, reason="网格合并")


@case(R + "ListOrgUnitChildren")
async def list_children(world: World, place: Place, role: Role) -> reg.ListOrgUnitChildrenRequest:
    return reg.ListOrgUnitChildrenRequest(org_unit_id=place.community_id)


@case(R + "ListOrgUnitSubtree")
async def list_subtree(world: World, place: Place, role: Role) -> reg.ListOrgUnitSubtreeRequest:
    return reg.ListOrgUnitSubtreeRequest(org_unit_id=place.community_id)


@case(R + "ListOrgUnitHistory")
async def list_history(world: World, place: Place, role: Role) -> reg.ListOrgUnitHistoryRequest:
    return reg.ListOrgUnitHistoryRequest(org_unit_id=place.grid_id)


@case(R + "CreatePartyOrganisation")
async def create_party_organisation(world: World, place: Place, role: Role) -> reg.CreatePartyOrganisationRequest:
    return reg.CreatePartyOrganisationRequest(
        request_id=request_id(),
        org_unit_id=place.community_id,
        kind=reg.PARTY_ORGANISATION_KIND_SPECIAL_BRANCH,
        name=f"孝老爱心党支部{short()}",
        focus="孝老爱心",
    )


@case(R + "ListPartyOrganisations")
async def list_party_organisations(world: World, place: Place, role: Role) -> reg.ListPartyOrganisationsRequest:
    return reg.ListPartyOrganisationsRequest(org_unit_id=place.street_id)


@case(R + "DissolvePartyOrganisation")
async def dissolve_party_organisation(world: World, place: Place, role: Role) -> reg.DissolvePartyOrganisationRequest:
    created = await world.api.registry.CreatePartyOrganisation(
        await create_party_organisation(world, place, role), metadata=world.api.admin
    )
    return reg.DissolvePartyOrganisationRequest(
        request_id=request_id(), party_organisation_id=created.party_organisation.id, reason="活动结束"
    )


# ---- members -----------------------------------------------------------------------------------------------------


@case(R + "RegisterMember")
async def register(world: World, place: Place, role: Role) -> reg.RegisterMemberRequest:
    return reg.RegisterMemberRequest(
        request_id=request_id(),
        name="矩阵报到",
        workplace_org="宝鸡市人民医院党委",
        residence_unit_id=place.grid_id,
        management_level=reg.MANAGEMENT_LEVEL_OTHER,
        phone="13912345678",
        id_number=new_id_number(),
    )


@case(R + "GetMember")
async def get_member(world: World, place: Place, role: Role) -> reg.GetMemberRequest:
    return reg.GetMemberRequest(member_id=place.member_id)


@case(R + "SearchMembers")
async def search_members(world: World, place: Place, role: Role) -> reg.SearchMembersRequest:
    return reg.SearchMembersRequest(org_unit_id=place.community_id)


@case(R + "LookupMember")
async def lookup_member(world: World, place: Place, role: Role) -> reg.LookupMemberRequest:
    return reg.LookupMemberRequest(phone="13912345678")


@case(R + "UpdateMember")
async def update_member(world: World, place: Place, role: Role) -> reg.UpdateMemberRequest:
    return reg.UpdateMemberRequest(
        request_id=request_id(),
        member_id=place.member_id,
        member=reg.Member(workplace_org=f"宝鸡市第{short()}机关党委"),
        update_mask=FieldMask(paths=["workplace_org"]),
    )


@case(R + "TransferMember")
async def transfer_member(world: World, place: Place, role: Role) -> reg.TransferMemberRequest:
    return reg.TransferMemberRequest(
        request_id=request_id(),
        member_id=await member(world, place),
        residence_unit_id=place.community_id,
        reason="搬家",
    )


@case(R + "ListMemberResidences")
async def list_residences(world: World, place: Place, role: Role) -> reg.ListMemberResidencesRequest:
    return reg.ListMemberResidencesRequest(member_id=place.member_id)


@case(R + "DeregisterMember")
async def deregister_member(world: World, place: Place, role: Role) -> reg.DeregisterMemberRequest:
    return reg.DeregisterMemberRequest(
        request_id=request_id(), member_id=await member(world, place), reason="组织关系转出"
    )


@case(R + "ImportMembers")
async def import_members(world: World, place: Place, role: Role) -> list[reg.ImportMembersRequest]:
    row = reg.ImportRow(
        name="矩阵导入",
        workplace_org="宝鸡市教育局党委",
        residence_unit_id=place.grid_id,
        management_level=reg.MANAGEMENT_LEVEL_CITY,
        phone="13600001234",
        id_number=new_id_number(),
    )
    return [reg.ImportMembersRequest(request_id=request_id(), rows=[row])]


@case(R + "ImportOrgTree")
async def import_org_tree(world: World, place: Place, role: Role) -> reg.ImportOrgTreeRequest:
    # A fresh grid below the place's community each time, so every call writes something.
    return reg.ImportOrgTreeRequest(
        request_id=request_id(),
        root_org_unit_id=place.community_id,
        units=[reg.ImportedOrgUnit(line=2, path=[f"网格{short()}"], kind=reg.ORG_UNIT_KIND_GRID)],
    )


@case(R + "ExportMembers")
async def export_members(world: World, place: Place, role: Role) -> reg.ExportMembersRequest:
    return reg.ExportMembersRequest(org_unit_id=place.community_id)


@case(R + "RotatePersonalDataKeys")
async def rotate_keys(world: World, place: Place, role: Role) -> reg.RotatePersonalDataKeysRequest:
    return reg.RotatePersonalDataKeysRequest(batch_size=1)


# ---- service posts, teams, pairings ------------------------------------------------------------------------------


@case(R + "CreateServicePost")
async def create_post(world: World, place: Place, role: Role) -> reg.CreateServicePostRequest:
    return reg.CreateServicePostRequest(
        request_id=request_id(), community_id=place.community_id, name=f"扶贫帮困{short()}", capacity=3
    )


@case(R + "ListServicePosts")
async def list_posts(world: World, place: Place, role: Role) -> reg.ListServicePostsRequest:
    return reg.ListServicePostsRequest(community_id=place.community_id)


@case(R + "ClaimServicePost")
async def claim_post(world: World, place: Place, role: Role) -> reg.ClaimServicePostRequest:
    return reg.ClaimServicePostRequest(
        request_id=request_id(), post_id=await post(world, place), member_id=place.member_id
    )


@case(R + "ReleaseServicePost")
async def release_post(world: World, place: Place, role: Role) -> reg.ReleaseServicePostRequest:
    post_id = await post(world, place)
    await world.api.registry.ClaimServicePost(
        reg.ClaimServicePostRequest(request_id=request_id(), post_id=post_id, member_id=place.member_id),
        metadata=world.api.admin,
    )
    return reg.ReleaseServicePostRequest(request_id=request_id(), post_id=post_id, member_id=place.member_id)


@case(R + "CreateTeam")
async def create_team(world: World, place: Place, role: Role) -> reg.CreateTeamRequest:
    return reg.CreateTeamRequest(
        request_id=request_id(),
        org_unit_id=place.community_id,
        kind=reg.TEAM_KIND_RED_CROSS_RESCUE,
        name=f"红十字救援队{short()}",
    )


@case(R + "ListTeams")
async def list_teams(world: World, place: Place, role: Role) -> reg.ListTeamsRequest:
    return reg.ListTeamsRequest(org_unit_id=place.community_id)


@case(R + "AddTeamMember")
async def add_team_member(world: World, place: Place, role: Role) -> reg.AddTeamMemberRequest:
    return reg.AddTeamMemberRequest(
        request_id=request_id(), team_id=await team(world, place), member_id=place.member_id
    )


@case(R + "RemoveTeamMember")
async def remove_team_member(world: World, place: Place, role: Role) -> reg.RemoveTeamMemberRequest:
    team_id = await team(world, place)
    added = await world.api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(
            request_id=request_id(),
            team_id=team_id,
            volunteer=reg.ResidentVolunteer(name="刘秀英", phone="13800001111"),
        ),
        metadata=world.api.admin,
    )
    return reg.RemoveTeamMemberRequest(request_id=request_id(), team_id=team_id, team_member_id=added.team_member.id)


@case(R + "ListTeamMembers")
async def list_team_members(world: World, place: Place, role: Role) -> reg.ListTeamMembersRequest:
    return reg.ListTeamMembersRequest(team_id=await team(world, place))


@case(R + "CreatePairing")
async def create_pairing(world: World, place: Place, role: Role) -> reg.CreatePairingRequest:
    return reg.CreatePairingRequest(
        request_id=request_id(),
        workplace_org="宝鸡市税务局党委",
        community_id=place.community_id,
        start_date="2026-01-01",
    )


@case(R + "EndPairing")
async def end_pairing(world: World, place: Place, role: Role) -> reg.EndPairingRequest:
    created = await world.api.registry.CreatePairing(await create_pairing(world, place, role), metadata=world.api.admin)
    return reg.EndPairingRequest(request_id=request_id(), pairing_id=created.pairing.id, end_date="2026-12-31")


@case(R + "ListPairings")
async def list_pairings(world: World, place: Place, role: Role) -> reg.ListPairingsRequest:
    return reg.ListPairingsRequest(org_unit_id=place.community_id)


# ---- service records and stats -----------------------------------------------------------------------------------


async def team_volunteer(world: World, place: Place) -> reg.TeamMember:
    """A resident volunteer who is not a member, on a team of the place's community (made once a place)."""

    async def make() -> reg.TeamMember:
        added = await world.api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(
                request_id=request_id(),
                team_id=await team(world, place),
                volunteer=reg.ResidentVolunteer(name="矩阵志愿者", phone="13500001111"),
            ),
            metadata=world.api.admin,
        )
        return added.team_member

    made = await once(world, ("team volunteer", place.community_id), make)
    assert isinstance(made, reg.TeamMember)
    return made


@case(R + "RecordService")
async def record_service(world: World, place: Place, role: Role) -> reg.RecordServiceRequest:
    request = reg.RecordServiceRequest(
        request_id=request_id(), kind=reg.SERVICE_KIND_OTHER, source_id=f"matrix-{short()}", hours=1.5
    )
    # Staff and the worker record a team volunteer's service (scope: the team's unit), the others a member's: both
    # ways in and out of scope for a role the rule allows.
    if role in (Role.STAFF, Role.SERVICE):
        volunteer = await team_volunteer(world, place)
        request.team_id, request.team_member_id = volunteer.team_id, volunteer.id
    else:
        request.member_id = place.member_id
    return request


@case(R + "GetMemberServiceSummary")
async def service_summary(world: World, place: Place, role: Role) -> reg.GetMemberServiceSummaryRequest:
    return reg.GetMemberServiceSummaryRequest(member_id=place.member_id)


@case(R + "GetRegistryStats")
async def registry_stats(world: World, place: Place, role: Role) -> reg.GetRegistryStatsRequest:
    return reg.GetRegistryStatsRequest(org_unit_id=place.community_id)


# ---- reports -----------------------------------------------------------------------------------------------------


@case(REPORTS + "GetWeeklyReport")
async def get_weekly_report(world: World, place: Place, role: Role) -> rep.GetWeeklyReportRequest:
    return rep.GetWeeklyReportRequest(org_unit_id=place.street_id, week_start=WEEK)


@case(REPORTS + "ExportWeeklyReports")
async def export_weekly_reports(world: World, place: Place, role: Role) -> rep.ExportWeeklyReportsRequest:
    return rep.ExportWeeklyReportsRequest(org_unit_id=place.street_id, week_start=WEEK)


@case(REPORTS + "ProduceWeeklyReports")
async def produce_weekly_reports(world: World, place: Place, role: Role) -> rep.ProduceWeeklyReportsRequest:
    return rep.ProduceWeeklyReportsRequest(request_id=request_id(), org_unit_id=place.street_id, week_start=WEEK)


@case(REPORTS + "ProduceYearlyServiceReports")
async def produce_yearly_reports(world: World, place: Place, role: Role) -> rep.ProduceYearlyServiceReportsRequest:
    return rep.ProduceYearlyServiceReportsRequest(request_id=request_id(), org_unit_id=place.street_id, year=YEAR)


@case(REPORTS + "GetYearlyServiceReport")
async def get_yearly_report(world: World, place: Place, role: Role) -> rep.GetYearlyServiceReportRequest:
    if role == Role.STAFF:  # a team volunteer's year, in the team's scope
        volunteer = await team_volunteer(world, place)
        return rep.GetYearlyServiceReportRequest(team_member_id=volunteer.id, year=YEAR)
    return rep.GetYearlyServiceReportRequest(member_id=place.member_id, year=YEAR)


@case(REPORTS + "ScheduleReports")
async def schedule_reports(world: World, place: Place, role: Role) -> rep.ScheduleReportsRequest:
    return rep.ScheduleReportsRequest(request_id=request_id(), org_unit_id=place.street_id)


@case(REPORTS + "StoreWeeklyReport")
async def store_weekly_report(world: World, place: Place, role: Role) -> rep.StoreWeeklyReportRequest:
    return rep.StoreWeeklyReportRequest(
        request_id=request_id(),
        report=rep.WeeklyReport(org_unit_id=place.street_id, org_unit_name="中山东路街道", week_start=WEEK),
    )


@case(REPORTS + "StoreYearlyServiceReports")
async def store_yearly_reports(world: World, place: Place, role: Role) -> rep.StoreYearlyServiceReportsRequest:
    return rep.StoreYearlyServiceReportsRequest(
        request_id=request_id(), reports=[rep.YearlyServiceReport(member_id=place.member_id, year=YEAR)]
    )
