from django.urls import path

from depot.surveys import views

app_name = "surveys"

urlpatterns: list = [
    path("<str:token>/", views.answer, name="answer"),
]
