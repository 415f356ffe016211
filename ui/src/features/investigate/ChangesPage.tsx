import { Accordion, Alert, Badge, Card, Group, Loader, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { QueryError } from "../../components/QueryError";
import { useInstances } from "../connectors/api";
import { useChanges, useSnapshots, type InstanceChanges } from "./api";

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16);
}

type Section = { id: string; title: string; color: string; rows: { key: string; main: string; detail: string }[] };

function sections(c: InstanceChanges): Section[] {
  const roles = (added: string[], removed: string[]) =>
    [added.length > 0 ? `+ ${added.join(", ")}` : "", removed.length > 0 ? `− ${removed.join(", ")}` : ""].filter(Boolean).join("  ");
  return [
    { id: "new_admins", title: "New administrators", color: "red", rows: c.new_admins.map((a) => ({ key: a.external_id, main: a.login, detail: roles(a.roles_added, a.roles_removed) })) },
    { id: "new_high_apps", title: "Apps newly holding high-level permissions", color: "red", rows: c.new_high_apps.map((n) => ({ key: n, main: n, detail: "" })) },
    {
      id: "newly_public_files",
      title: "Files newly public",
      color: "red",
      rows: c.newly_public_files.map((f) => ({ key: f.external_id, main: f.name, detail: `${f.before ?? "private"} → ${f.after}${f.owner ? ` · owner ${f.owner}` : ""}` })),
    },
    {
      id: "newly_external_files",
      title: "Files newly shared outside",
      color: "orange",
      rows: c.newly_external_files.map((f) => ({ key: f.external_id, main: f.name, detail: `with ${f.new_external.join(", ")}` })),
    },
    { id: "role_changes", title: "Role changes", color: "orange", rows: c.role_changes.map((a) => ({ key: a.external_id, main: a.login, detail: roles(a.roles_added, a.roles_removed) })) },
    {
      id: "new_grants",
      title: "New OAuth grants",
      color: "orange",
      rows: c.new_grants.map((g) => ({ key: g.external_id, main: g.app_name, detail: `${g.level} · ${g.principal ?? "for everyone / the app itself"} · ${g.scopes.join(", ")}` })),
    },
    { id: "new_accounts", title: "New accounts", color: "blue", rows: c.new_accounts.map((a) => ({ key: a.external_id, main: a.login, detail: a.admin ? "administrator" : "" })) },
    { id: "removed_accounts", title: "Removed accounts", color: "gray", rows: c.removed_accounts.map((a) => ({ key: a.external_id, main: a.login, detail: a.admin ? "was an administrator" : "" })) },
    { id: "removed_grants", title: "Removed OAuth grants", color: "gray", rows: c.removed_grants.map((g) => ({ key: g.external_id, main: g.app_name, detail: g.principal ?? "" })) },
  ];
}

function InstanceReport({ c }: { c: InstanceChanges }) {
  const all = sections(c);
  const changed = all.filter((s) => s.rows.length > 0);
  return (
    <Card withBorder data-testid="changes-instance" data-instance={c.instance_name}>
      <Group justify="space-between" mb="xs">
        <Title order={4}>{c.instance_name}</Title>
        <Text size="sm" c="dimmed">
          {when(c.from.taken_at_ms)} → {when(c.to.taken_at_ms)} (UTC)
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 3, lg: 5 }} spacing="xs" mb="sm">
        {all.map((s) => (
          <Card key={s.id} padding="xs" withBorder data-testid={`changes-count-${s.id}`}>
            <Text size="xl" fw={700} c={s.rows.length > 0 ? s.color : "dimmed"}>
              {s.rows.length}
            </Text>
            <Text size="xs" c="dimmed">
              {s.title}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
      {c.not_compared.length > 0 && (
        <Alert color="yellow" mb="sm">
          Not compared: {c.not_compared.join(", ")} — one of the two scans did not read them in full.
        </Alert>
      )}
      {changed.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing changed between these scans.
        </Text>
      ) : (
        <Accordion multiple defaultValue={changed.slice(0, 2).map((s) => s.id)}>
          {changed.map((s) => (
            <Accordion.Item key={s.id} value={s.id}>
              <Accordion.Control>
                <Group gap="xs">
                  <Badge color={s.color}>{s.rows.length}</Badge>
                  <Text size="sm">{s.title}</Text>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <Table fz="sm" data-testid={`changes-${s.id}`}>
                  <Table.Tbody>
                    {s.rows.map((r) => (
                      <Table.Tr key={r.key}>
                        <Table.Td>{r.main}</Table.Td>
                        <Table.Td>
                          <Text size="xs" c="dimmed">
                            {r.detail}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
    </Card>
  );
}

/** What changed between the last two scans of each instance, or two chosen scans of one. */
export function ChangesPage() {
  const instances = useInstances();
  const [instance, setInstance] = useState<string | null>(null);
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const snapshots = useSnapshots(instance);
  const both = instance !== null && from !== null && to !== null;
  const changes = useChanges(instance, both ? from : null, both ? to : null);
  const scans = (snapshots.data ?? []).map((s) => ({ value: s.run_id, label: when(s.taken_at_ms) }));
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>What changed</Title>
        <Text c="dimmed" size="sm">
          Between the last two full scans of each instance: accounts that came and went, new administrators, files that became public, OAuth apps that gained
          access.
        </Text>
      </div>
      <Group align="flex-end" gap="sm">
        <Select
          label="Instance"
          placeholder="Every instance"
          clearable
          data={(instances.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          value={instance}
          onChange={(v) => {
            setInstance(v);
            setFrom(null);
            setTo(null);
          }}
          w={220}
          data-testid="changes-instance-select"
        />
        {instance !== null && (
          <>
            <Select label="From scan" placeholder="The one before last" clearable data={scans} value={from} onChange={setFrom} w={190} data-testid="changes-from" />
            <Select label="To scan" placeholder="The last" clearable data={scans} value={to} onChange={setTo} w={190} data-testid="changes-to" />
          </>
        )}
      </Group>
      {changes.isError && <QueryError title="Cannot compare the scans" error={changes.error} onRetry={() => void changes.refetch()} />}
      {changes.isPending && <Loader size="sm" />}
      {changes.data && changes.data.instances.length === 0 && changes.data.waiting.length === 0 && (
        <Alert color="gray" data-testid="changes-empty">
          Nothing to compare yet: <Link to="/connectors">connect an app</Link> and scan it twice — the second scan shows what changed since the first.
        </Alert>
      )}
      {changes.data && changes.data.waiting.length > 0 && (
        <Alert color="blue" variant="light" data-testid="changes-waiting">
          One full scan so far of {changes.data.waiting.join(", ")}: the next full scan shows what changed since.
        </Alert>
      )}
      {changes.data?.instances.map((c) => <InstanceReport key={c.instance_id} c={c} />)}
    </Stack>
  );
}
