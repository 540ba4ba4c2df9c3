-- The W3C traceparent of the request whose event started a journey run, kept with the run and with the deliveries it
-- plans: the message sent minutes (or a restart) later is a span of that request's trace.
ALTER TABLE journey_run ADD COLUMN traceparent text;
ALTER TABLE delivery ADD COLUMN traceparent text;
