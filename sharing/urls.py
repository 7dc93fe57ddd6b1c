from django.urls import path

from . import views

urlpatterns = [
    path("accounts/record-views/", views.record_views, name="record_views"),
    path("care-team/", views.care_team, name="care_team"),
    path("care-team/codes/new/", views.share_code_new, name="share_code_new"),
    path("care-team/codes/<int:pk>/cancel/", views.share_code_cancel, name="share_code_cancel"),
    path(
        "care-team/requests/<int:pk>/approve/",
        views.share_request_approve,
        name="share_request_approve",
    ),
    path(
        "care-team/requests/<int:pk>/decline/",
        views.share_request_decline,
        name="share_request_decline",
    ),
    path("care-team/members/<int:pk>/remove/", views.care_team_remove, name="care_team_remove"),
    path("patients/share-code/", views.share_code_enter, name="share_code_enter"),
]
