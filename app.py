"""The hall's Lambda entry point: creates the app, registers middleware and blueprints."""

from __future__ import annotations

from chalice import Chalice, Cron, Rate

from chalicelib import settings
from chalicelib.handlers import (
    account_links,
    appeals,
    appeals_admin,
    cases,
    catalogue,
    client_retries,
    cors,
    data_rights,
    display,
    essc_login,
    face,
    family_numbers,
    login,
    login_link,
    login_protection,
    pages,
    profile,
    qr_login,
    records,
    recovery,
    registration,
    user_center,
    verification,
)
from chalicelib.handlers.middleware import handle_request
from chalicelib.jobs import cancellations, lockout_cleanup

app = Chalice(app_name="jiangsu-hall")
# The 权益单 PDF (下载) goes out as bytes, not text.
app.api.binary_types.append("application/pdf")
app.register_middleware(handle_request, "http")

app.register_blueprint(pages.bp)
app.register_blueprint(catalogue.bp)
app.register_blueprint(display.bp)
app.register_blueprint(verification.bp)
app.register_blueprint(registration.bp)
app.register_blueprint(login.bp)
app.register_blueprint(qr_login.bp)
app.register_blueprint(essc_login.bp)
app.register_blueprint(login_link.bp)
app.register_blueprint(login_protection.bp)
app.register_blueprint(account_links.bp)
app.register_blueprint(face.bp)
app.register_blueprint(user_center.bp)
app.register_blueprint(records.bp)
app.register_blueprint(recovery.bp)
app.register_blueprint(profile.bp)
app.register_blueprint(family_numbers.bp)
app.register_blueprint(appeals.bp)
app.register_blueprint(appeals_admin.bp)
app.register_blueprint(cases.bp)
app.register_blueprint(data_rights.bp)

# Dev-only routes (SMS outbox, captcha answers) do not exist outside the dev stage.
# Read at import (cold start): the stage is in the environment by then, and settings are cheap.
if settings.get().is_dev:
    from chalicelib.handlers import dev, dev_app, dev_back_office, dev_essc, dev_face

    app.register_blueprint(dev.bp)
    app.register_blueprint(dev_app.bp)
    app.register_blueprint(dev_essc.bp)
    app.register_blueprint(dev_face.bp)
    app.register_blueprint(dev_back_office.bp)

# Last, once every route exists: a view DynamoDB failed transiently answers service_busy (503).
client_retries.install(app)
# CORS preflights, on every API route, only when the deployment lists other origins (none by default).
cors.install(app)


@app.schedule(Rate(15, unit=Rate.MINUTES), name="lockout-cleanup")
def release_ended_locks(event):
    from chalicelib import clock
    from chalicelib.observability import logger, metrics

    logger.clear_state()
    logger.set_correlation_id(getattr(event, "to_dict", lambda: {})().get("id"))
    try:
        report = lockout_cleanup.run(clock.now())
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
    return {"hours_read": report.hours_read, "released": report.released}


@app.schedule(Cron(0, 18, "*", "*", "?", "*"), name="account-cancellations")
def delete_cancelled_accounts(event):
    """账号注销 that fell due, daily at 02:00 China time (jobs/cancellations.py)."""
    from chalicelib import clock
    from chalicelib.observability import logger, metrics

    logger.clear_state()
    logger.set_correlation_id(getattr(event, "to_dict", lambda: {})().get("id"))
    try:
        report = cancellations.run(clock.now())
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
    return {"days_read": report.days_read, "deleted": report.deleted, "kept": report.kept}
