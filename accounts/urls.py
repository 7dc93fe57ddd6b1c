from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    carer_views,
    device_views,
    invitation_views,
    password_views,
    second_factor_views,
    settings_views,
    signup_views,
)

urlpatterns = [
    path("login/", device_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("caring-for/", carer_views.switch_person, name="switch_person"),
    path("caring-for/reminders/", carer_views.carer_reminders, name="carer_reminders"),
    path("two-factor/", second_factor_views.verify, name="two_factor_verify"),
    path("two-factor/setup/", second_factor_views.setup, name="two_factor_setup"),
    path("two-factor/off/", second_factor_views.turn_off, name="two_factor_off"),
    path("two-factor/codes/", second_factor_views.new_codes, name="two_factor_codes"),
    path("signup/", signup_views.signup_form, name="signup"),
    path("signup/sent/", signup_views.signup_sent, name="signup_sent"),
    path("signup/new-link/", signup_views.signup_resend, name="signup_resend"),
    path("verify/<uidb64>/<token>/", signup_views.verify_email, name="verify_email"),
    path("invitations/", invitation_views.invite_patient, name="invite_patient"),
    path(
        "invitations/<int:pk>/cancel/",
        invitation_views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("invitation/<str:token>/", invitation_views.invitation, name="invitation"),
    path("settings/", settings_views.account_settings, name="account_settings"),
    path("language/", settings_views.choose_language, name="choose_language"),
    path("devices/", device_views.signed_in_devices, name="signed_in_devices"),
    path(
        "devices/sign-out-others/",
        device_views.sign_out_everywhere_else,
        name="sign_out_everywhere_else",
    ),
    path("devices/<int:pk>/sign-out/", device_views.sign_out_device, name="sign_out_device"),
    path("deleted/", settings_views.account_deleted, name="account_deleted"),
    path("password/", password_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("password/reset/", password_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
