import { Alert, Card, Stack, Switch, Text, Title } from "@mantine/core";
import { useDiscoverySettings, useSetDiscoverySettings } from "./api";

/** Settings → Cloud Discovery: user anonymization. */
export function DiscoverySettingsCard() {
  const settings = useDiscoverySettings();
  const save = useSetDiscoverySettings();
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={4}>Cloud Discovery</Title>
        <Switch
          label="Anonymize users and source addresses in new uploads"
          description="Each user name and source IP is stored as a keyed pseudonym (anon-…, anon-ip-…), in the usage tables and in the malformed-line samples alike. The key stays in the OS keychain; revealing a real value asks for a reason and is written to the audit log, as is turning this on or off. Reports uploaded before keep their values."
          checked={settings.data?.anonymize_users ?? false}
          disabled={settings.data === undefined || save.isPending}
          onChange={(e) => {
            save.mutate({ anonymize_users: e.currentTarget.checked });
          }}
          data-testid="settings-anonymize"
        />
        {save.error && (
          <Alert color="red" role="alert">
            <Text size="sm">{save.error.message}</Text>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}
