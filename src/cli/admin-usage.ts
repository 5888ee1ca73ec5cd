// The usage text of `capstan admin`, apart so `capstan help` needs nothing else loaded.
export const ADMIN_USAGE = `capstan admin <resource> <action> [--flags]   (prints JSON)
  orgs create --name NAME [--credits-micro N] [--key-mode test|live]
  orgs get --org ORG_ID
  orgs list [--limit N] [--offset N]
  keys create --org ORG_ID [--mode test|live]
  keys revoke --org ORG_ID --key KEY_ID
  credits add --org ORG_ID --amount-micro N [--reason WORD]
  apps create --org ORG_ID --name NAME --environment development|production [--allowed-origins a,b]
  apps regenerate-keys --app APP_ID
  hubs create --org ORG_ID --name NAME
  contacts create --hub HUB_ID --name NAME [--role member|moderator|admin]
  contacts token --hub HUB_ID --contact CONTACT_ID [--ttl-seconds N]
  webhooks create --org ORG_ID --url URL [--events a,b.*] [--description TEXT]
  webhooks list --org ORG_ID
  webhooks get --webhook WEBHOOK_ID
  webhooks update --webhook WEBHOOK_ID [--url URL] [--events a,b.*|all] [--description TEXT] [--enabled true|false]
  webhooks delete --webhook WEBHOOK_ID
  webhooks rotate-secret --webhook WEBHOOK_ID
  webhooks deliveries --webhook WEBHOOK_ID [--status pending|delivering|succeeded|failed|cancelled] [--limit N] [--offset N]
  webhooks retry --webhook WEBHOOK_ID --delivery DELIVERY_ID
  webhooks test --webhook WEBHOOK_ID`;
