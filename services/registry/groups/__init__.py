"""Groups on the org tree: service posts (服务岗位), volunteer teams (志愿服务队), pairings (结对共建) and party organisations."""
