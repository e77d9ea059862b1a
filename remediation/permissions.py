"""Every permission the product checks, by name (`app_label.codename`), in one place.

Code asks `user.has_perm(permissions.X)` or `require_permission(actor, X)` with these constants, never with a literal:
a renamed codename or a model moved to another app (its permissions follow its app label) is then one edit here, and
`tests/test_permissions.py` fails on a literal elsewhere and on a constant naming no permission. Templates cannot
import them and keep `perms.app.codename`. Names only: the kernel imports no other app by holding them.
"""

from __future__ import annotations

# Product-wide permissions (remediation.ProductPermission): what a role may do beyond looking.
EXECUTE_RUNBOOK = "remediation.execute_runbook"
RUN_ON_ANY_SERVER = "remediation.run_on_any_server"
AUTHOR_RUNBOOK = "remediation.author_runbook"
APPROVE_EXECUTION = "remediation.approve_execution"
CANCEL_EXECUTION = "remediation.cancel_execution"
OVERRIDE_MAINTENANCE = "remediation.override_maintenance"
MANAGE_KILL_SWITCH = "remediation.manage_kill_switch"
OPEN_TERMINAL = "remediation.open_terminal"
ANALYZE_ALERT = "remediation.analyze_alert"
USE_CHAT = "remediation.use_chat"
ACKNOWLEDGE_ALERT = "remediation.acknowledge_alert"

# The kernel's models.
VIEW_AUDITEVENT = "remediation.view_auditevent"
EXPORT_AUDITEVENT = "remediation.export_auditevent"
VIEW_SERVER = "remediation.view_server"
ADD_SERVER = "remediation.add_server"
CHANGE_SERVER = "remediation.change_server"
DELETE_SERVER = "remediation.delete_server"
TEST_SERVER = "remediation.test_server"
PIN_HOST_KEY = "remediation.pin_host_key"
VIEW_CREDENTIAL = "remediation.view_credential"
ADD_CREDENTIAL = "remediation.add_credential"
CHANGE_CREDENTIAL = "remediation.change_credential"
DELETE_CREDENTIAL = "remediation.delete_credential"
VIEW_NOTIFICATIONCHANNEL = "remediation.view_notificationchannel"
ADD_NOTIFICATIONCHANNEL = "remediation.add_notificationchannel"
CHANGE_NOTIFICATIONCHANNEL = "remediation.change_notificationchannel"
DELETE_NOTIFICATIONCHANNEL = "remediation.delete_notificationchannel"

# runbooks
VIEW_RUNBOOK = "runbooks.view_runbook"
VIEW_EXECUTION = "runbooks.view_execution"
VIEW_RUNBOOKSCHEDULE = "runbooks.view_runbookschedule"
CHANGE_RUNBOOKSCHEDULE = "runbooks.change_runbookschedule"
VIEW_KILLSWITCH = "runbooks.view_killswitch"

# alerts
VIEW_ALERT = "alerts.view_alert"
VIEW_RULE = "alerts.view_rule"
CHANGE_RULE = "alerts.change_rule"
CHANGE_WEBHOOKTOKEN = "alerts.change_webhooktoken"

# ai
VIEW_ANALYSIS = "ai.view_analysis"
CHANGE_PROVIDER = "ai.change_provider"
VIEW_CHATSESSION = "ai.view_chatsession"
VIEW_CHATMESSAGE = "ai.view_chatmessage"
VIEW_INVESTIGATION = "ai.view_investigation"
CHANGE_COMMANDALLOWRULE = "ai.change_commandallowrule"
DELETE_COMMANDALLOWRULE = "ai.delete_commandallowrule"
CHANGE_REDACTIONPATTERN = "ai.change_redactionpattern"
DELETE_REDACTIONPATTERN = "ai.delete_redactionpattern"

# terminal
VIEW_TERMINALSESSION = "terminal.view_terminalsession"
REVIEW_TERMINALSESSION = "terminal.review_terminalsession"
OPEN_ANY_TERMINAL = "terminal.open_any_terminal"
