package dev.rapport.demo;

import java.util.List;

/**
 * The demo's campaigns, as a marketer would write them (protobuf JSON of rapport.campaign.v1.Campaign): two triggered
 * journeys that run from the start (the basket reminder waits 30 seconds for an order, where a brand would wait an
 * hour, so the tour can watch it), and a localised promotion with a control group (a tenth of its audience gets
 * nothing, to measure what it changes) left as a draft for the tour to preview and activate.
 * {@code SEGMENT} in a definition is replaced by the id of the segment the entry names.
 */
final class DemoCampaigns {
    record Definition(String key, String segment, boolean active, String json) {
    }

    static final List<Definition> ALL = List.of(
            new Definition("cart-reminder", null, true, """
                    {"name": "Basket reminder", "purpose": "marketing.communications", "channel": "email", "priority": 60,
                     "defaultLocale": "en", "languageFallbacks": {"ca": "es"},
                     "variants": [
                       {"locale": "en", "subjectLine": "Still hungry, {{ profile.first_name | default: 'friend' }}?",
                        "body": "Your basket of {{ event.cart_value }} {{ event.currency }} is still waiting. Order now and it is on its way.\\n\\nMealtide"},
                       {"locale": "ko", "subjectLine": "{{ profile.first_name | default: '고객' }}님, 장바구니를 잊으셨나요?",
                        "body": "장바구니({{ event.cart_value }} {{ event.currency }})가 기다리고 있어요. 지금 주문하시면 바로 출발합니다.\\n\\nMealtide"},
                       {"locale": "es", "subjectLine": "¿Sigues con hambre, {{ profile.first_name | default: 'amigo' }}?",
                        "body": "Tu cesta de {{ event.cart_value }} {{ event.currency }} te espera. Pide en la próxima hora y sale enseguida.\\n\\nMealtide"}],
                     "journey": {"triggerEvent": "cart_abandoned", "exitEvents": ["order_placed"],
                       "steps": [
                         {"waitForEvent": {"event": "order_placed", "timeout": "30s", "onEvent": "EXIT", "onTimeout": "CONTINUE"}},
                         {"sendMessage": {}}]}}"""),
            new Definition("payment-failed", null, true, """
                    {"name": "Payment failed", "purpose": "essential.service.notifications", "channel": "email", "priority": 90,
                     "defaultLocale": "en", "languageFallbacks": {"ca": "es"},
                     "variants": [
                       {"locale": "en", "subjectLine": "Your payment for order {{ event.order_id }} did not go through",
                        "body": "We could not take {{ event.amount }} {{ event.currency }} for order {{ event.order_id }}. Please check your card in the app; your order is held for 30 minutes.\\n\\nMealtide"},
                       {"locale": "ko", "subjectLine": "주문 {{ event.order_id }}의 결제가 완료되지 않았습니다",
                        "body": "주문 {{ event.order_id }}의 {{ event.amount }} {{ event.currency }} 결제에 실패했습니다. 앱에서 카드를 확인해 주세요. 주문은 30분 동안 보류됩니다.\\n\\nMealtide"},
                       {"locale": "es", "subjectLine": "El pago del pedido {{ event.order_id }} no se ha completado",
                        "body": "No hemos podido cobrar {{ event.amount }} {{ event.currency }} del pedido {{ event.order_id }}. Revisa tu tarjeta en la app; guardamos el pedido 30 minutos.\\n\\nMealtide"}],
                     "journey": {"triggerEvent": "payment_failed", "exitEvents": ["payment_succeeded"],
                       "steps": [
                         {"waitForEvent": {"event": "order_placed", "timeout": "300s", "onEvent": "EXIT", "onTimeout": "CONTINUE"}},
                         {"sendMessage": {}}]}}"""),
            new Definition("weekend-feast", "Email marketing audience", false, """
                    {"name": "Weekend feast", "purpose": "marketing.communications", "channel": "email", "segmentId": "SEGMENT",
                     "priority": 40, "defaultLocale": "en", "languageFallbacks": {"ca": "es"},
                     "experiment": {"conversionEvent": "order_placed", "conversionWindow": "259200s", "arms": [
                       {"name": "promotion", "weight": 9}, {"name": "control", "weight": 1, "control": true}]},
                     "variants": [
                       {"locale": "en", "subjectLine": "{{ profile.first_name | default: 'Hello' }}, 20% off your weekend feast",
                        "body": "This weekend only: 20% off every order over the usual minimum.\\n\\nMealtide"},
                       {"locale": "en", "country": "GB", "city": "London", "subjectLine": "{{ profile.first_name | default: 'Hello' }}, 20% off in London this weekend",
                        "body": "This weekend only: 20% off, and free delivery anywhere inside the North Circular.\\n\\nMealtide"},
                       {"locale": "ko", "subjectLine": "{{ profile.first_name | default: '고객' }}님, 주말 20% 할인",
                        "body": "이번 주말에만: 모든 주문 20% 할인.\\n\\nMealtide"},
                       {"locale": "ko", "country": "KR", "city": "Busan", "subjectLine": "{{ profile.first_name | default: '고객' }}님, 부산 주말 특가 20%",
                        "body": "이번 주말 부산에서만: 20% 할인과 해운대 무료 배달.\\n\\nMealtide"},
                       {"locale": "es", "subjectLine": "{{ profile.first_name | default: 'Hola' }}, 20% en tu festín de fin de semana",
                        "body": "Solo este fin de semana: 20% de descuento en todos los pedidos.\\n\\nMealtide"},
                       {"locale": "ca", "subjectLine": "{{ profile.first_name | default: 'Hola' }}, un 20% al teu festí de cap de setmana",
                        "body": "Només aquest cap de setmana: un 20% de descompte en totes les comandes.\\n\\nMealtide"}]}"""));

    private DemoCampaigns() {
    }
}
