from django.conf import settings


def madoguchi(request):
    return {"MADOGUCHI_DEMO": settings.DEMO, "MADOGUCHI_ROLE": settings.ROLE}
