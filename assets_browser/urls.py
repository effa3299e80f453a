from django.urls import path

from . import views

app_name = "assets_browser"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("healthz", views.healthz, name="healthz"),
    # Layout, thumbnail size and theme, per editor
    path("preferences/", views.preferences, name="preferences"),
    # Preview, live status, add by URL. str, not uuid: a malformed id gets our own 404 page.
    path("assets/status/", views.asset_status, name="asset_status"),
    path("assets/new/", views.asset_create, name="asset_create"),
    path("assets/<str:asset_id>/", views.asset_detail, name="asset_detail"),
    # Boards of picks, and their export for POST /videos
    path("boards/", views.board_list, name="board_list"),
    path("boards/new/", views.board_create, name="board_create"),
    path("boards/switch/", views.board_switch, name="board_switch"),
    path("boards/<int:board_id>/", views.board_detail, name="board_detail"),
    path("boards/<int:board_id>/rename/", views.board_rename, name="board_rename"),
    path("boards/<int:board_id>/delete/", views.board_delete, name="board_delete"),
    path("boards/<int:board_id>/clear/", views.board_clear, name="board_clear"),
    path("boards/<int:board_id>/export/", views.board_export, name="board_export"),
    path("boards/<int:board_id>/share/", views.board_share, name="board_share"),
    path("boards/<int:board_id>/duplicate/", views.board_duplicate, name="board_duplicate"),
    # Many picks at once: one request per action
    path("boards/<int:board_id>/picks/move/", views.picks_move, name="picks_move"),
    path("boards/<int:board_id>/picks/remove/", views.picks_remove, name="picks_remove"),
    path("picks/add/", views.picks_add, name="picks_add"),
    path("picks/<str:asset_id>/toggle/", views.pick_toggle, name="pick_toggle"),
    path("picks/<int:pick_id>/move/", views.pick_move, name="pick_move"),
    path("picks/<int:pick_id>/remove/", views.pick_remove, name="pick_remove"),
    path("picks/<int:pick_id>/note/", views.pick_note, name="pick_note"),
]
