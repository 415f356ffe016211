import { ActionIcon, Alert, Badge, Button, Card, Group, NumberInput, PasswordInput, SegmentedControl, Select, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconSend, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { day, useDeleteForwardTarget, useDeliveries, useForwardTargets, useRetryDeliveries, useSaveForwardTarget, useTestForwardTarget, type ForwardConfig, type Severity } from "./api";

const stateColor: Record<string, string> = { delivered: "teal", pending: "orange", failed: "red" };

function describe(c: ForwardConfig): string {
  return c.kind === "syslog" ? `syslog ${c.transport}://${c.host}:${String(c.port)}` : `webhook ${c.url}`;
}

/** Settings → Alert forwarding: CEF over syslog or a webhook, with a delivery log. */
export function ForwardingCard() {
  const targets = useForwardTargets();
  const log = useDeliveries();
  const save = useSaveForwardTarget();
  const remove = useDeleteForwardTarget();
  const test = useTestForwardTarget();
  const retry = useRetryDeliveries();
  const [kind, setKind] = useState<"syslog" | "webhook">("syslog");
  const [name, setName] = useState("");
  const [host, setHost] = useState("");
  const [port, setPort] = useState<number | string>(514);
  const [transport, setTransport] = useState<"udp" | "tcp" | "tls">("udp");
  const [ca, setCa] = useState("");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [min, setMin] = useState<Severity>("low");
  const config: ForwardConfig = kind === "syslog" ? { kind: "syslog", host, port: Number(port) || 0, transport, ca_pem: ca.trim() ? ca : null } : { kind: "webhook", url };
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={4}>Alert forwarding</Title>
        <Text size="sm" c="dimmed">
          Send alerts to your SIEM as CEF over syslog, or to a webhook as JSON (signed with HMAC-SHA256 when you set a secret; the secret stays in the system keychain). A target that is down is tried again — 5 seconds, then doubling up to an hour — and nothing is dropped.
        </Text>
        <SegmentedControl value={kind} onChange={(v) => { setKind(v === "webhook" ? "webhook" : "syslog"); }} data={[{ value: "syslog", label: "Syslog (CEF)" }, { value: "webhook", label: "Webhook (JSON)" }]} w="fit-content" />
        <Group align="flex-end" gap="sm">
          <TextInput label="Name" placeholder="SIEM" value={name} onChange={(e) => { setName(e.currentTarget.value); }} w={160} data-testid="forward-name" />
          {kind === "syslog" ? (
            <>
              <TextInput label="Host" placeholder="siem.example.com" value={host} onChange={(e) => { setHost(e.currentTarget.value); }} w={200} data-testid="forward-host" />
              <NumberInput label="Port" min={1} max={65535} value={port} onChange={setPort} w={100} data-testid="forward-port" />
              <Select label="Transport" data={[{ value: "udp", label: "UDP" }, { value: "tcp", label: "TCP" }, { value: "tls", label: "TLS" }]} value={transport} onChange={(v) => { if (v === "udp" || v === "tcp" || v === "tls") setTransport(v); }} w={100} />
            </>
          ) : (
            <>
              <TextInput label="URL" placeholder="https://soar.example.com/hooks/cloudwarden" value={url} onChange={(e) => { setUrl(e.currentTarget.value); }} w={320} data-testid="forward-url" />
              <PasswordInput label="Signing secret" placeholder="optional" value={secret} onChange={(e) => { setSecret(e.currentTarget.value); }} w={180} />
            </>
          )}
          <Select label="From severity" data={["low", "medium", "high"]} value={min} onChange={(v) => { if (v === "low" || v === "medium" || v === "high") setMin(v); }} w={120} />
        </Group>
        {kind === "syslog" && transport === "tls" && <Textarea label="CA certificates to trust (PEM, optional: the system's otherwise)" rows={3} value={ca} onChange={(e) => { setCa(e.currentTarget.value); }} />}
        <Group>
          <Button
            loading={save.isPending}
            disabled={name.trim() === "" || (kind === "syslog" ? host.trim() === "" : url.trim() === "")}
            onClick={() => {
              save.mutate(
                { id: null, input: { name, enabled: true, min_severity: min, config, secret: kind === "webhook" && secret ? secret : null } },
                { onSuccess: () => { setName(""); setSecret(""); } },
              );
            }}
            data-testid="forward-add"
          >
            Add target
          </Button>
        </Group>
        {save.isError && (
          <Alert color="red" role="alert">
            {save.error.message}
          </Alert>
        )}
        {targets.data?.length === 0 && (
          <Text size="sm" data-testid="forward-empty">
            No targets: alerts stay in the app.
          </Text>
        )}
        {targets.data && targets.data.length > 0 && (
          <Table fz="sm" data-testid="forward-targets">
            <Table.Tbody>
              {targets.data.map((t) => (
                <Table.Tr key={t.id} data-testid="forward-target">
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td ff="monospace">{describe(t.config)}</Table.Td>
                  <Table.Td>from {t.min_severity}{t.signed ? " · signed" : ""}</Table.Td>
                  <Table.Td w={150}>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="subtle"
                        leftSection={<IconSend size={14} />}
                        loading={test.isPending && test.variables === t.id}
                        onClick={() => {
                          test.mutate(t.id, {
                            onSuccess: (d) => notifications.show({ color: d.state === "delivered" ? "teal" : "red", title: d.state === "delivered" ? "Test alert delivered" : "Test alert not delivered", message: d.last_error ?? `${t.name} took it.` }),
                          });
                        }}
                      >
                        Test
                      </Button>
                      <ActionIcon variant="subtle" color="red" aria-label={`Remove ${t.name}`} onClick={() => { remove.mutate(t.id); }}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {log.data && log.data.length > 0 && (
          <>
            <Group justify="space-between">
              <Title order={6}>Delivery log</Title>
              <Button size="xs" variant="default" loading={retry.isPending} onClick={() => { retry.mutate(null); }} disabled={!log.data.some((d) => d.state !== "delivered")}>
                Retry now
              </Button>
            </Group>
            <Table fz="xs" data-testid="forward-log">
              <Table.Tbody>
                {log.data.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>{day(d.created_at_ms)}</Table.Td>
                    <Table.Td>{d.target_name}</Table.Td>
                    <Table.Td>{d.event}</Table.Td>
                    <Table.Td>
                      <Badge size="xs" color={stateColor[d.state] ?? "gray"}>
                        {d.state}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                      {d.last_error ? ` — ${d.last_error}` : ""}
                      {d.state === "pending" && d.attempts > 0 ? ` · next ${day(d.next_attempt_ms)}` : ""}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Stack>
    </Card>
  );
}
