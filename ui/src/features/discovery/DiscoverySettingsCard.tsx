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
          label="Anonymize user names in new uploads"
          description="Each user name is stored as a keyed pseudonym (anon-…). The key stays in the OS keychain; revealing a real name asks for a reason and is written to the audit log. Reports uploaded before keep their names."
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
