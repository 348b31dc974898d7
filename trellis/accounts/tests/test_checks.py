from django.core.checks import run_checks

WARNING_ID = "trellis.W001"


def deploy_warnings():
    return [m.id for m in run_checks(include_deployment_checks=True)]


def test_the_deploy_check_warns_that_immediate_tasks_run_inside_the_request(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    [warning] = [m for m in run_checks(include_deployment_checks=True) if m.id == WARNING_ID]
    assert "TASKS_BACKEND=immediate" in warning.msg
    assert "TASKS_BACKEND=database" in warning.hint


def test_the_deploy_check_is_quiet_with_database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert WARNING_ID not in deploy_warnings()


def test_the_check_runs_only_for_deployment(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert WARNING_ID not in [m.id for m in run_checks()]
