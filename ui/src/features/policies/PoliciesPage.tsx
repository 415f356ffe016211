import { Alert as Notice, Anchor, Badge, Button, Checkbox, Drawer, Group, Loader, Modal, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Switch, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconFlask, IconPencil, IconPlayerPlay, IconPlus, IconTemplate, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { QueryError } from "../../components/QueryError";
import { categories } from "../investigate/api";
import {
  day,
  kindLabel,
  severityColor,
  tagLabel,
  useCreateFromTemplate,
  useDeletePolicy,
  useEvaluate,
  usePolicies,
  usePolicyTemplates,
  useSavePolicy,
  useSetPolicyEnabled,
  useTestPolicy,
  type IpTag,
  type Policy,
  type PolicyInput,
  type PolicyTemplate,
  type PolicyTest,
  type Severity,
} from "./api";

const severities: Severity[] = ["high", "medium", "low"];
const tags = Object.keys(tagLabel) as IpTag[];

function SeverityBadge({ s }: { s: Severity }) {
  return (
    <Badge color={severityColor[s]} size="sm">
      {s}
    </Badge>
  );
}

/** The templates, each in plain words, one click to create (disabled, to be tested first). */
function TemplatesModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (p: Policy) => void }) {
  const templates = usePolicyTemplates();
  const create = useCreateFromTemplate();
  return (
    <Modal opened={opened} onClose={onClose} title="Create a policy from a template" size="xl" data-testid="templates-modal">
      {templates.isError && <QueryError title="Cannot read the templates" error={templates.error} onRetry={() => void templates.refetch()} />}
      <Stack gap="xs">
        {(templates.data ?? []).map((t: PolicyTemplate) => (
          <Group key={t.id} justify="space-between" wrap="nowrap" align="flex-start" data-testid="template" data-id={t.id}>
            <div>
              <Group gap={6}>
                <Text fw={500} size="sm">
                  {t.name}
                </Text>
                <Badge variant="light" size="xs">
                  {kindLabel[t.kind] ?? t.kind}
                </Badge>
                <SeverityBadge s={t.severity} />
              </Group>
              <Text size="xs" c="dimmed">
                {t.description}
              </Text>
            </div>
            <Button
              size="xs"
              variant="light"
              loading={create.isPending && create.variables.templateId === t.id}
              onClick={() => {
                create.mutate(
                  { templateId: t.id, name: null },
                  {
                    onSuccess: (p) => {
                      notifications.show({ color: "teal", title: `${p.name} created`, message: "It is disabled: test it, then enable it." });
                      onCreated(p);
                    },
                    onError: (e) => notifications.show({ color: "red", title: "Cannot create the policy", message: String(e) }),
                  },
                );
              }}
              data-testid="template-create"
            >
              Create
            </Button>
          </Group>
        ))}
      </Stack>
    </Modal>
  );
}

/** A dry run over the last days: what the policy would have raised, nothing raised. */
function TestDrawer({ policy, onClose }: { policy: Policy | null; onClose: () => void }) {
  const test = useTestPolicy();
  const [days, setDays] = useState("7");
  const [result, setResult] = useState<PolicyTest | null>(null);
  const close = () => {
    setResult(null);
    test.reset();
    onClose();
  };
  return (
    <Drawer opened={policy !== null} onClose={close} position="right" size="xl" title={`Test: ${policy?.name ?? ""}`} data-testid="test-drawer">
      {policy && (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            Runs the policy over what was already collected and shows what it would have raised. Nothing is raised, nothing is learned.
          </Text>
          <Group align="flex-end">
            <SegmentedControl
              value={days}
              onChange={setDays}
              data={[
                { value: "1", label: "1 day" },
                { value: "7", label: "7 days" },
                { value: "30", label: "30 days" },
                { value: "90", label: "90 days" },
              ]}
            />
            <Button
              leftSection={<IconFlask size={16} />}
              loading={test.isPending}
              onClick={() => {
                test.mutate({ id: policy.id, days: Number(days) }, { onSuccess: setResult });
              }}
              data-testid="test-run"
            >
              Run test
            </Button>
          </Group>
          {test.isError && <QueryError title="The test failed" error={test.error} onRetry={() => { test.reset(); }} />}
          {result && (
            <>
              <Text size="sm" fw={500} data-testid="test-summary" data-matches={result.matches}>
                {result.matches === 0 ? `Nothing would have been raised in the last ${String(result.days)} days` : `${String(result.matches)} alert${result.matches === 1 ? "" : "s"} on ${String(result.records)} record${result.records === 1 ? "" : "s"} in the last ${String(result.days)} days`}
                {result.activities > 0 ? ` (${String(result.activities)} activities read)` : ""}.
              </Text>
              {result.sample.map((m, i) => (
                <Stack key={`${m.title}-${String(i)}`} gap={2} data-testid="test-match">
                  <Text size="sm" fw={500}>
                    {m.title}
                  </Text>
                  {m.evidence.slice(0, 5).map((e, j) => (
                    <Text key={`${e.ref_id}-${String(j)}`} size="xs" c="dimmed">
                      {e.occurred_at_ms > 0 ? `${day(e.occurred_at_ms)} · ` : ""}
                      {e.summary}
                    </Text>
                  ))}
                </Stack>
              ))}
            </>
          )}
        </Stack>
      )}
    </Drawer>
  );
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");

type Def = PolicyInput["definition"];
type Of<K extends Def["kind"]> = Extract<Def, { kind: K }>;

/** The activity log's filters, an action list, address conditions and a threshold. */
function ActivityFields({ def, onChange }: { def: Of<"activity">; onChange: (d: Def) => void }) {
  const filter = def.filter ?? {};
  const actions = def.actions ?? [];
  const ip = { tagged: def.ip?.tagged ?? [], not_tagged: def.ip?.not_tagged ?? [], countries: def.ip?.countries ?? [] };
  const threshold = def.threshold ?? null;
  const setFilter = (patch: Partial<typeof filter>) => {
    onChange({ ...def, filter: { ...filter, ...patch } });
  };
  return (
    <>
      <Title order={6}>Activities that match</Title>
      <Group grow>
        <Select label="Category" placeholder="Any" clearable data={categories} value={filter.category ?? null} onChange={(v) => { setFilter({ category: (v) ?? null }); }} />
        <Select label="Outcome" placeholder="Any" clearable data={[{ value: "success", label: "Succeeded" }, { value: "failure", label: "Failed" }]} value={filter.outcome ?? null} onChange={(v) => { setFilter({ outcome: (v) ?? null }); }} />
      </Group>
      <Group grow>
        <TextInput label="User" placeholder="any" value={filter.user ?? ""} onChange={(e) => { setFilter({ user: e.currentTarget.value || null }); }} />
        <TextInput label="IP address or network" placeholder="10.0.0.0/8" value={filter.ip ?? ""} onChange={(e) => { setFilter({ ip: e.currentTarget.value || null }); }} />
      </Group>
      <TextInput label="Actions (any of, comma-separated)" placeholder="FileDownloaded, repo.destroy" value={actions.join(", ")} onChange={(e) => { onChange({ ...def, actions: list(e.currentTarget.value) }); }} data-testid="edit-actions" />
      <TextInput label="Words" placeholder="words in the actor, action or object" value={filter.text ?? ""} onChange={(e) => { setFilter({ text: e.currentTarget.value || null }); }} />
      <Group grow>
        <MultiSelect label="From ranges tagged" data={tags.map((t) => ({ value: t, label: tagLabel[t] }))} value={ip.tagged} onChange={(v) => { onChange({ ...def, ip: { ...ip, tagged: v } }); }} />
        <MultiSelect label="Not from ranges tagged" data={tags.map((t) => ({ value: t, label: tagLabel[t] }))} value={ip.not_tagged} onChange={(v) => { onChange({ ...def, ip: { ...ip, not_tagged: v } }); }} />
      </Group>
      <Checkbox label="Only when one user does this repeatedly" checked={threshold !== null} onChange={(e) => { onChange({ ...def, threshold: e.currentTarget.checked ? { count: 10, window_minutes: 60 } : null }); }} />
      {threshold && (
        <Group grow>
          <NumberInput label="At least (activities)" min={2} value={threshold.count} onChange={(v) => { onChange({ ...def, threshold: { ...threshold, count: Number(v) || 2 } }); }} />
          <NumberInput label="Within (minutes)" min={1} value={threshold.window_minutes} onChange={(v) => { onChange({ ...def, threshold: { ...threshold, window_minutes: Number(v) || 1 } }); }} />
        </Group>
      )}
    </>
  );
}

function AnomalyFields({ def, onChange }: { def: Of<"anomaly">; onChange: (d: Def) => void }) {
  const s = { learning_days: 7, max_speed_kmh: 1000, min_distance_km: 500, count: 0, window_minutes: 0, ...def.settings };
  const set = (patch: Partial<typeof s>) => {
    onChange({ ...def, settings: { ...s, ...patch } });
  };
  return (
    <Group grow>
      <NumberInput label="Learning period (days)" min={0} value={s.learning_days} onChange={(v) => { set({ learning_days: Number(v) || 0 }); }} />
      {def.detection === "impossible_travel" && <NumberInput label="Fastest believable speed (km/h)" min={100} value={s.max_speed_kmh} onChange={(v) => { set({ max_speed_kmh: Number(v) || 1000 }); }} />}
      {s.count > 0 && <NumberInput label="At least" min={2} value={s.count} onChange={(v) => { set({ count: Number(v) || 2 }); }} />}
      {s.count > 0 && <NumberInput label="Within (minutes)" min={1} value={s.window_minutes} onChange={(v) => { set({ window_minutes: Number(v) || 1 }); }} />}
    </Group>
  );
}

function FileFields({ def, onChange }: { def: Of<"file">; onChange: (d: Def) => void }) {
  return (
    <>
      <Select label="Shared at least" clearable data={["public", "external", "internal"]} value={def.sharing ?? null} onChange={(v) => { onChange({ ...def, sharing: v === "public" || v === "external" || v === "internal" ? v : null }); }} />
      <TextInput label="Name patterns (* wildcards, comma-separated)" value={(def.name_patterns ?? []).join(", ")} onChange={(e) => { onChange({ ...def, name_patterns: list(e.currentTarget.value) }); }} />
      <TextInput label="Shared with domains" value={(def.collaborator_domains ?? []).join(", ")} onChange={(e) => { onChange({ ...def, collaborator_domains: list(e.currentTarget.value) }); }} />
      <Checkbox label="Shared with a personal e-mail address" checked={def.personal_collaborators ?? false} onChange={(e) => { onChange({ ...def, personal_collaborators: e.currentTarget.checked }); }} />
    </>
  );
}

function OauthFields({ def, onChange }: { def: Of<"oauth_app">; onChange: (d: Def) => void }) {
  return (
    <>
      <Select label="Holds a permission at least" clearable data={["high", "medium", "low"]} value={def.permission_level ?? null} onChange={(v) => { onChange({ ...def, permission_level: v === "high" || v === "medium" || v === "low" ? v : null }); }} />
      <TextInput label="Holds any of these permissions" value={(def.scopes ?? []).join(", ")} onChange={(e) => { onChange({ ...def, scopes: list(e.currentTarget.value) }); }} />
      <Checkbox label="Publisher not verified" checked={def.unverified_publisher ?? false} onChange={(e) => { onChange({ ...def, unverified_publisher: e.currentTarget.checked }); }} />
      <Checkbox label="Not approved by you" checked={def.not_approved ?? false} onChange={(e) => { onChange({ ...def, not_approved: e.currentTarget.checked }); }} />
    </>
  );
}

function DiscoveryFields({ def, onChange }: { def: Of<"discovery">; onChange: (d: Def) => void }) {
  return (
    <>
      <Checkbox label="Only apps seen for the first time" checked={def.new_app ?? false} onChange={(e) => { onChange({ ...def, new_app: e.currentTarget.checked }); }} />
      <NumberInput label="Risk score at most" min={0} max={10} value={def.max_score ?? ""} onChange={(v) => { onChange({ ...def, max_score: v === "" ? null : Number(v) }); }} />
      <Checkbox label="Only apps tagged unsanctioned" checked={def.unsanctioned ?? false} onChange={(e) => { onChange({ ...def, unsanctioned: e.currentTarget.checked }); }} />
    </>
  );
}

/** Edits a policy: name, severity, and the condition of its kind (the activity log's filters for activity policies). */
function EditModal({ policy, onClose }: { policy: Policy | null; onClose: () => void }) {
  const save = useSavePolicy();
  const [draft, setDraft] = useState<PolicyInput | null>(null);
  const p = policy;
  const input: PolicyInput | null = draft ?? (p ? { name: p.name, description: p.description, severity: p.severity, enabled: p.enabled, template_id: p.template_id, definition: p.definition, scope: p.scope, actions: p.actions } : null);
  const close = () => {
    setDraft(null);
    save.reset();
    onClose();
  };
  if (!p || !input) return <Modal opened={false} onClose={close} title="" />;
  const def = input.definition;
  const update = (patch: Partial<PolicyInput>) => {
    setDraft({ ...input, ...patch });
  };
  return (
    <Modal opened onClose={close} title={`Edit ${p.name}`} size="lg" data-testid="edit-modal">
      <Stack gap="sm">
        <TextInput label="Name" value={input.name} onChange={(e) => { update({ name: e.currentTarget.value }); }} data-testid="edit-name" />
        <Textarea label="Description" rows={3} value={input.description} onChange={(e) => { update({ description: e.currentTarget.value }); }} />
        <Select label="Severity" data={severities} value={input.severity} onChange={(v) => { if (v === "high" || v === "medium" || v === "low") update({ severity: v }); }} w={160} />
        {def.kind === "activity" && <ActivityFields def={def} onChange={(d) => { update({ definition: d }); }} />}
        {def.kind === "anomaly" && <AnomalyFields def={def} onChange={(d) => { update({ definition: d }); }} />}
        {def.kind === "file" && <FileFields def={def} onChange={(d) => { update({ definition: d }); }} />}
        {def.kind === "oauth_app" && <OauthFields def={def} onChange={(d) => { update({ definition: d }); }} />}
        {def.kind === "discovery" && <DiscoveryFields def={def} onChange={(d) => { update({ definition: d }); }} />}
        {def.kind === "sigma" && (
          <Text size="sm" c="dimmed">
            A Sigma rule by {def.author} ({def.logsource}); its detection is the rule's own. Import a newer version to change it.
          </Text>
        )}
        <TextInput label="Never for these users (comma-separated)" placeholder="break-glass@contoso.com" value={(input.scope?.exclude_users ?? []).join(", ")} onChange={(e) => { update({ scope: { ...input.scope, exclude_users: list(e.currentTarget.value) } }); }} />
        {save.isError && <QueryError title="Cannot save the policy" error={save.error} onRetry={() => { save.reset(); }} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            loading={save.isPending}
            onClick={() => {
              save.mutate({ id: p.id, input }, { onSuccess: close });
            }}
            data-testid="edit-save"
          >
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Policies: created from templates, tested, enabled; each with what it has raised. */
export function PoliciesPage() {
  const policies = usePolicies();
  const enable = useSetPolicyEnabled();
  const remove = useDeletePolicy();
  const evaluate = useEvaluate();
  const [templates, setTemplates] = useState(false);
  const [testing, setTesting] = useState<Policy | null>(null);
  const [editing, setEditing] = useState<Policy | null>(null);
  const rows = policies.data ?? [];
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>Policies</Title>
          <Text c="dimmed" size="sm">
            What to be told about. Enabled policies run after every scan and upload over what is new; test one first to see what it would raise.
          </Text>
        </div>
        <Group gap="xs">
          <Button
            variant="default"
            leftSection={<IconPlayerPlay size={16} />}
            loading={evaluate.isPending}
            onClick={() => {
              evaluate.mutate(null, {
                onSuccess: (s) => notifications.show({ color: "teal", title: "Policies evaluated", message: `${String(s.activities)} new activities read: ${String(s.alerts_raised)} alerts raised, ${String(s.alerts_updated)} updated.` }),
                onError: (e) => notifications.show({ color: "red", title: "Evaluation failed", message: String(e) }),
              });
            }}
            data-testid="policies-evaluate"
          >
            Evaluate now
          </Button>
          <Button leftSection={<IconTemplate size={16} />} onClick={() => { setTemplates(true); }} data-testid="policies-create">
            Create from template
          </Button>
        </Group>
      </Group>
      {policies.isError && <QueryError title="Cannot read the policies" error={policies.error} onRetry={() => void policies.refetch()} />}
      {policies.isPending && <Loader size="sm" />}
      {policies.data && rows.length === 0 && (
        <Notice color="gray" data-testid="policies-empty">
          No policies yet. <Anchor onClick={() => { setTemplates(true); }}>Create one from a template</Anchor> — impossible travel, mass download, files shared with personal addresses, risky OAuth apps and more — or import Sigma rules with <Text span ff="monospace">cloudwarden policies import-sigma</Text>.
        </Notice>
      )}
      {rows.length > 0 && (
        <Table highlightOnHover fz="sm" data-testid="policies-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Policy</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Severity</Table.Th>
              <Table.Th>Alerts</Table.Th>
              <Table.Th>Enabled</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.id} data-testid="policy-row" data-id={p.id} data-enabled={p.enabled}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {p.name}
                  </Text>
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {p.definition.kind === "sigma" ? `Sigma rule by ${p.definition.author}` : p.description}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" size="sm">
                    {kindLabel[p.kind] ?? p.kind}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <SeverityBadge s={p.severity} />
                </Table.Td>
                <Table.Td>
                  {p.alerts === 0 ? (
                    <Text size="sm" c="dimmed">
                      none
                    </Text>
                  ) : (
                    <Anchor component={Link} to={`/alerts?policy=${encodeURIComponent(p.id)}`} size="sm">
                      {p.open_alerts} open / {p.alerts}
                    </Anchor>
                  )}
                </Table.Td>
                <Table.Td>
                  <Switch
                    checked={p.enabled}
                    onChange={(e) => {
                      enable.mutate({ id: p.id, enabled: e.currentTarget.checked });
                    }}
                    aria-label={`${p.enabled ? "Disable" : "Enable"} ${p.name}`}
                    data-testid="policy-enabled"
                  />
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="subtle" leftSection={<IconFlask size={14} />} onClick={() => { setTesting(p); }} data-testid="policy-test">
                      Test
                    </Button>
                    <Button size="xs" variant="subtle" leftSection={<IconPencil size={14} />} onClick={() => { setEditing(p); }} data-testid="policy-edit">
                      Edit
                    </Button>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      leftSection={<IconTrash size={14} />}
                      onClick={() => {
                        if (window.confirm(`Delete ${p.name}? Its alerts stay.`)) remove.mutate(p.id);
                      }}
                    >
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Button variant="subtle" leftSection={<IconPlus size={16} />} component={Link} to="/alerts" w="fit-content">
        Go to the alerts
      </Button>
      <TemplatesModal
        opened={templates}
        onClose={() => { setTemplates(false); }}
        onCreated={(p) => {
          setTemplates(false);
          setTesting(p);
        }}
      />
      <TestDrawer policy={testing} onClose={() => { setTesting(null); }} />
      <EditModal policy={editing} onClose={() => { setEditing(null); }} />
    </Stack>
  );
}
