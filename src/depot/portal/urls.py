from django.urls import path

from depot.portal import complaint_views, views

app_name = "portal"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("stock/", views.stock, name="stock"),
    path("stock/export/", views.stock_export, name="stock_export"),
    path("orders/", views.orders, name="orders"),
    path("orders/export/", views.orders_export, name="orders_export"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/upload/", views.upload, name="upload"),
    path("orders/upload/template/", views.upload_template, name="upload_template"),
    path("orders/upload/<int:pk>/", views.upload_status, name="upload_status"),
    path("orders/<str:number>/", views.order, name="order"),
    path("orders/<str:number>/confirm/", views.order_confirm, name="order_confirm"),
    path("inbound/", views.inbounds, name="inbounds"),
    path("inbound/new/", views.inbound_new, name="inbound_new"),
    path("inbound/<str:number>/", views.inbound, name="inbound"),
    path("complaints/", complaint_views.complaints, name="complaints"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/<str:code>/", complaint_views.complaint, name="complaint"),
    path("complaints/<str:code>/verdict/", complaint_views.complaint_verdict, name="complaint_verdict"),
]
