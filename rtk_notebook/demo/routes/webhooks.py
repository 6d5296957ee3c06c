"""Webhooks: where the account's events are posted."""

from __future__ import annotations

from typing import Any

from rtk_notebook.demo.routes.common import Answer, Call, created, handles, ok
from rtk_notebook.spec.endpoints import iso_z


def get_webhook(call: Call) -> dict[str, Any]:
    return call.look_up(call.app.webhooks, "webhook_id", "Webhook")


@handles("webhooks.get_webhooks")
def list_webhooks(call: Call) -> Answer:
    return ok(list(call.app.webhooks.values()))


@handles("webhooks.create_webhook")
def create_webhook(call: Call) -> Answer:
    hook_id = call.world.next_created_id(call.app.index)
    stamp = iso_z(call.now)
    hook = {"id": hook_id, "created_at": stamp, "enabled": True, **(call.body or {})}
    hook["updated_at"] = stamp
    call.app.webhooks[hook_id] = hook
    return created(hook)


@handles("webhooks.get_webhook_by_id")
def read_webhook(call: Call) -> Answer:
    return ok(get_webhook(call))


@handles("webhooks.replace_webhook")
def replace_webhook(call: Call) -> Answer:
    hook = get_webhook(call)
    replaced = {"id": hook["id"], "created_at": hook["created_at"], "enabled": True}
    replaced.update(call.body or {})
    replaced["updated_at"] = iso_z(call.now)
    call.app.webhooks[hook["id"]] = replaced
    return ok(replaced)


@handles("webhooks.edit_webhook")
def edit_webhook(call: Call) -> Answer:
    hook = get_webhook(call)
    hook.update(call.body or {})
    hook["updated_at"] = iso_z(call.now)
    return ok(hook)


@handles("webhooks.delete_webhook")
def delete_webhook(call: Call) -> Answer:
    hook = get_webhook(call)
    del call.app.webhooks[hook["id"]]
    return ok(hook)
