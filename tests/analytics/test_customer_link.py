"""The customer page leads to the customer's analysis for those who may see analytics."""

from django.urls import reverse


def test_customer_page_links_to_its_analysis(make_customer, specialist, supervisor, keeper, client):
    customer = make_customer(specialist)
    analysis = reverse("admin:analytics_customer", args=[customer.pk])
    for user in (specialist, supervisor):
        client.force_login(user)
        page = client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()
        assert "客户分析" in page
        response = client.get(reverse("admin:customers_customer_open_analytics", args=[customer.pk]))
        assert response.status_code == 302 and response["Location"] == analysis
    client.force_login(keeper)
    page = client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()
    assert "客户分析" not in page
