"""What every HTTP edge shares, the REST API (``wowdesk.api``) and the agent console
(``wowdesk.web``) alike: the request's unit of work and route class, the signed-in actor (bearer
credential or console session), remembered credentials, upload checks and the sign-in itself
(ADR 0010)."""
