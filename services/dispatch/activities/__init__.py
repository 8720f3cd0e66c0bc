"""Holiday and neighbourhood activities (活动): ActivityService, driven by the HolidayActivity workflow."""
