"""Apps: the account's list of apps, and creating one."""

from __future__ import annotations

from typing import Any

from rtk_notebook.demo.routes.common import Answer, Call, created, handles, ok_paged
from rtk_notebook.demo.world import AppWorld
from rtk_notebook.spec.endpoints import iso_z


def app_record(app: AppWorld) -> dict[str, Any]:
    return {"created_at": iso_z(app.created_at), "id": app.id, "name": app.name}


@handles("apps.get")
def list_apps(call: Call) -> Answer:
    apps = [app_record(app) for app in call.world.apps]
    search = call.query.get("search")
    if search:
        apps = [a for a in apps if search.lower() in a["name"].lower() or search == a["id"]]
    apps.sort(key=lambda a: a["created_at"], reverse=call.descending(default=False))
    return ok_paged(call, apps)


@handles("apps.post")
def create_app(call: Call) -> Answer:
    assert call.body is not None
    world = call.world
    app = AppWorld(world, len(world.apps), call.body["name"], 0.02)
    app.created_at = call.now
    world.apps.append(app)
    return created({"app": app_record(app)})
