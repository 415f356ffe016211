import { Alert, Badge, Card, Stack, Table, Text, Title } from "@mantine/core";
import { formatTime } from "../discovery/format";
import { useAuditLog, type AuditEntry } from "./api";

const actionLabel: Record<string, string> = {
  reveal_user: "Pseudonym revealed",
  anonymization_on: "Anonymization turned on",
  anonymization_off: "Anonymization turned off",
};

function actionColor(action: string) {
  if (action === "anonymization_off") return "red";
  if (action === "reveal_user") return "orange";
  return "teal";
}

/** Settings → Audit log: who saw what behind a pseudonym, and every change to anonymization. */
export function AuditLogCard() {
  const log = useAuditLog();
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={4}>Audit log</Title>
        <Text size="sm" c="dimmed">
          Every reveal of an anonymized user or address, with the reason given, and every time anonymization was turned
          on or off. Entries cannot be edited or deleted from the app.
        </Text>
        {log.error && (
          <Alert color="red" role="alert">
            <Text size="sm">{log.error.message}</Text>
          </Alert>
        )}
        {log.data?.length === 0 && (
          <Text size="sm" data-testid="audit-empty">
            Nothing yet: turning anonymization on or off and revealing a pseudonym are recorded here.
          </Text>
        )}
        {log.data && log.data.length > 0 && (
          <Table withTableBorder fz="sm" data-testid="audit-log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When (UTC)</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Reason or detail</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.data.map((e: AuditEntry, i) => (
                <Table.Tr key={`${String(e.at_ms)}-${String(i)}`}>
                  <Table.Td>{formatTime(e.at_ms)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={actionColor(e.action)}>
                      {actionLabel[e.action] ?? e.action}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{e.subject || "—"}</Table.Td>
                  <Table.Td>{e.detail}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
