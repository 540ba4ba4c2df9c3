#!/usr/bin/env bash
# What `make run` prints once everything is healthy: where things are, how to call them, how to stop.
cat <<'TEXT'

Rapport is running (logs: .run/logs/, `make logs` follows them; stop: `make stop`).

  Gateway (public API)   http://localhost:8080      REST /api/v1, gRPC (with reflection) on the same port
    health               http://localhost:8080/q/health
    metrics              http://localhost:8080/q/metrics
    OpenAPI              http://localhost:8080/q/openapi   (Swagger UI: /q/swagger-ui)
  Support chat           http://localhost:8080/chat/    (the widget on a demo page; ?lang=ko for Korean)
  Agent console          http://localhost:8080/agent/   (sign in as demo-agent / demo)
  Internal services      profile 8081 · segment 8082 · campaign 8083 · chatbot 8084 (/q/health each)
                         their gRPC APIs on 9081 · 9082 · 9083 · 9084
  Keycloak               http://localhost:8180  (admin console: admin / admin)   realm "rapport"
  PostgreSQL             127.0.0.1:5432  database "rapport", user rapport / rapport, a schema per service
  Kafka                  127.0.0.1:9092
  Mail (local inboxes)   SMTP 127.0.0.1:2525; read one: curl -s http://localhost:8025/api/user/<address>/messages/
                         every address: http://localhost:8025/api/user   (GreenMail: nothing leaves this machine)

Demo credentials (realm rapport):
  partner app (client credentials)   client demo-partner / secret demo-partner-secret
  people (password, client rapport-web, public):  demo-admin, demo-marketer, demo-agent, demo-privacy, demo-customer
                                                  password "demo" for each

Call the public gRPC API with a standard client (grpcurl):
  TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=demo-partner -d client_secret=demo-partner-secret \
          http://localhost:8180/realms/rapport/protocol/openid-connect/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  grpcurl -plaintext localhost:8080 list
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
          -d '{"identifier":{"type":"EXTERNAL_ID","value":"shopper-1"},"event":{"name":"order_placed"}}' \
          localhost:8080 rapport.api.v1.Events/RecordEvent
TEXT
if [ "${DEMO:-on}" != off ]; then
  cat <<'TEXT'

The demo brand Mealtide is loaded (demo/README.md): customers mealtide-00001 onwards, a help centre in English and
Korean, segments of every family, a basket-reminder journey, a payment-failed message and a promotion with a control
group. README.md, "A tour of the demo", walks through it. `make run DEMO=off` starts an empty suite.
TEXT
fi
