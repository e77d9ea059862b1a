"""Inventory API: servers (read: view_server; write: Admin) and credentials (Admin only; secrets write-only)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.inventory_serializers import (
    CredentialSerializer,
    ImportSerializer,
    PinHostKeySerializer,
    ServerSerializer,
)
from remediation.api.permissions import HasPerm
from remediation.models import Credential, Server
from remediation.permissions import (
    ADD_CREDENTIAL,
    ADD_SERVER,
    CHANGE_CREDENTIAL,
    CHANGE_SERVER,
    DELETE_CREDENTIAL,
    DELETE_SERVER,
    PIN_HOST_KEY,
    TEST_SERVER,
    VIEW_CREDENTIAL,
    VIEW_SERVER,
)
from remediation.services import credentials as credential_service
from remediation.services import inventory as inventory_service
from remediation.services.inventory import filter_servers
from remediation.services.inventory_import import ImportRejected, import_servers

SERVER_FILTERS = [
    OpenApiParameter(name, str, description=text)
    for name, text in [
        ("environment", "production, staging, development or test"),
        ("enabled", "true or false"),
        ("tag", "servers carrying this tag"),
        ("credential", "credential id"),
        ("status", "connection status: ok, failed, untested or disabled"),
        ("q", "text in name, hostname, aliases or description"),
    ]
]


@extend_schema(parameters=SERVER_FILTERS)
class ServerViewSet(viewsets.ModelViewSet):
    """Servers: read with view_server; create/change/delete, pin host keys, test and import with Admin rights."""

    serializer_class = ServerSerializer
    permission_classes = [HasPerm]
    read_perm = VIEW_SERVER
    WRITE_PERMS = {
        "create": ADD_SERVER,
        "import_servers": ADD_SERVER,
        "destroy": DELETE_SERVER,
        "pin_host_key": PIN_HOST_KEY,
        "test": TEST_SERVER,
    }

    @property
    def write_perm(self) -> str:
        return self.WRITE_PERMS.get(self.action or "", CHANGE_SERVER)

    def get_queryset(self) -> QuerySet[Server]:
        return filter_servers(self.request.query_params)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        try:
            serializer.instance = inventory_service.create_server(
                actor=Actor.of(self.request.user), data=serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        try:
            serializer.instance = inventory_service.update_server(
                serializer.instance,  # type: ignore[arg-type]  # an update always has its instance
                actor=Actor.of(self.request.user),
                data=serializer.validated_data,
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_destroy(self, instance: Server) -> None:
        inventory_service.delete_server(instance, actor=Actor.of(self.request.user))

    @extend_schema(request=PinHostKeySerializer, responses=ServerSerializer)
    @action(detail=True, methods=["post"], url_path="pin-host-key")
    def pin_host_key(self, request: Request, pk: str | None = None) -> Response:
        """Pin a pasted known_hosts line, or fetch and pin the key the server presents (audited)."""
        body = PinHostKeySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            server = inventory_service.pin_host_key(
                self.get_object(), actor=Actor.of(request.user), **body.validated_data
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc
        except inventory_service.InventoryError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(ServerSerializer(server).data)

    @extend_schema(request=None, responses=ServerSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Test reachability, host key, authentication and a harmless command; the result is stored."""
        server = inventory_service.run_connection_test(self.get_object(), actor=Actor.of(request.user))
        return Response(ServerSerializer(server).data)

    @extend_schema(request=ImportSerializer, responses=ServerSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="import")
    def import_servers(self, request: Request) -> Response:
        """Create servers from YAML or CSV: all rows or none, with the errors of every rejected row."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            servers = import_servers(
                body.validated_data["content"], body.validated_data["format"], actor=Actor.of(request.user)
            )
        except ImportRejected as rejected:
            return Response({"detail": str(rejected), "rows": rejected.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ServerSerializer(servers, many=True).data, status=status.HTTP_201_CREATED)


class CredentialViewSet(viewsets.ModelViewSet):
    """Credentials, Admin only; secret values are write-only ("set" / "not set" on read)."""

    serializer_class = CredentialSerializer
    permission_classes = [HasPerm]
    read_perm = VIEW_CREDENTIAL
    WRITE_PERMS = {"create": ADD_CREDENTIAL, "destroy": DELETE_CREDENTIAL}

    @property
    def write_perm(self) -> str:
        return self.WRITE_PERMS.get(self.action or "", CHANGE_CREDENTIAL)

    def get_queryset(self) -> QuerySet[Credential]:
        credentials = Credential.objects.all()
        params = self.request.query_params
        if params.get("kind"):
            credentials = credentials.filter(kind=params["kind"])
        if params.get("q"):
            credentials = credentials.filter(Q(name__icontains=params["q"]) | Q(description__icontains=params["q"]))
        return credentials

    def perform_create(self, serializer: CredentialSerializer) -> None:  # type: ignore[override]
        fields, secrets, _clear = serializer.split()
        try:
            serializer.instance = credential_service.create_credential(
                actor=Actor.of(self.request.user), fields=fields, secrets=secrets
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_update(self, serializer: CredentialSerializer) -> None:  # type: ignore[override]
        fields, secrets, clear = serializer.split()
        try:
            serializer.instance = credential_service.update_credential(
                serializer.instance,  # type: ignore[arg-type]  # an update always has its instance
                actor=Actor.of(self.request.user),
                fields=fields,
                secrets=secrets,
                clear=clear,
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_destroy(self, instance: Credential) -> None:
        try:
            credential_service.delete_credential(instance, actor=Actor.of(self.request.user))
        except ProtectedError as exc:
            raise ValidationError({"detail": "Servers still use this credential; reassign them first."}) from exc
