"""Scheduled background jobs, declared per service in one place and run in
the service's own process under a MongoDB lease (see docs/architecture.md,
"Scheduled jobs")."""

from coop_shared.jobs.job import Job, JobFunction
from coop_shared.jobs.scheduler import JobBusy, RunOutcome, Scheduler, UnknownJob
from coop_shared.jobs.schedules import DailyAt, Every, MonthlyOn, Schedule

__all__ = ["DailyAt", "Every", "Job", "JobBusy", "JobFunction", "MonthlyOn", "RunOutcome", "Schedule",
           "Scheduler", "UnknownJob"]
