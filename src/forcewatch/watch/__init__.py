"""forcewatch watch: text sources and live sensor streams in, standing rules over what is stored, alerts
out (the store, alerts.jsonl, webhooks, the dashboard's event stream). docs/watch.md."""
