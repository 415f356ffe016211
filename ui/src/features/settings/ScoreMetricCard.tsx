import { Button, Card, Group, NumberInput, Select, Skeleton, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { QueryError } from "../../components/QueryError";
import { useScoreMetric, useSetScoreMetric, type ScoreMetric, type Weight } from "../catalog/api";

const weights: { value: Weight; label: string }[] = [
  { value: "ignored", label: "Ignored (0)" },
  { value: "low", label: "Low (1)" },
  { value: "medium", label: "Medium (2)" },
  { value: "high", label: "High (4)" },
  { value: "very_high", label: "Very high (8)" },
];

function WeightSelect({ value, onChange, testId }: { value: Weight; onChange: (w: Weight) => void; testId: string }) {
  return (
    <Select
      size="xs"
      w={150}
      data={weights}
      value={value}
      allowDeselect={false}
      onChange={(v) => {
        const w = weights.find((x) => x.value === v);
        if (w) onChange(w.value);
      }}
      data-testid={testId}
    />
  );
}

/** Settings → Score metric: how the 0–10 risk score weighs factors and groups. */
export function ScoreMetricCard() {
  const metric = useScoreMetric();
  return (
    <Card withBorder padding="lg" data-testid="score-metric">
      <Title order={4} mb={4}>
        Score metric
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Each factor scores 0–10; factors are averaged by weight inside their group, then the groups by their weight.
        Unknown factors are ignored unless you count them as 0.
      </Text>
      {metric.isPending && <Skeleton h={200} />}
      {metric.isError && <QueryError title="Could not read the score metric" error={metric.error} onRetry={() => void metric.refetch()} />}
      {metric.data && <MetricEditor key={metric.dataUpdatedAt} initial={metric.data} />}
    </Card>
  );
}

function MetricEditor({ initial }: { initial: ScoreMetric }) {
  const save = useSetScoreMetric();
  const [draft, setDraft] = useState<ScoreMetric>(initial);
  return (
        <Stack gap="md">
          <Switch
            label="Use Probo's vendor data (certifications, legal documents, headquarters)"
            description="Share-alike data (CC BY-SA 4.0) from Probo Inc., kept out of the default catalog; turn it on to add vendor-asserted SOC 2, ISO 27001, HIPAA, PCI DSS, privacy-policy and DPA facts for about 500 SaaS vendors."
            checked={draft.share_alike_overlay}
            onChange={(e) => { setDraft({ ...draft, share_alike_overlay: e.currentTarget.checked }); }}
            data-testid="score-metric-overlay"
          />
          <Group gap="xl">
            <Switch
              label="Count unknown factors as 0"
              checked={draft.unknown_as_zero}
              onChange={(e) => { setDraft({ ...draft, unknown_as_zero: e.currentTarget.checked }); }}
            />
            <NumberInput
              label="Minimum coverage for a score (%)"
              size="xs"
              w={220}
              min={0}
              max={100}
              value={Math.round((draft.min_coverage ?? 0) * 100)}
              onChange={(v) => { setDraft({ ...draft, min_coverage: Number(v) / 100 }); }}
            />
          </Group>
          <Table layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group / factor</Table.Th>
                <Table.Th w={170}>Weight</Table.Th>
                <Table.Th w={170}>Apps with a value</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {draft.groups.map((g) => [
                <Table.Tr key={g.group} bg="var(--mantine-color-default-hover)">
                  <Table.Td fw={700}>{g.name}</Table.Td>
                  <Table.Td>
                    <WeightSelect
                      value={g.weight}
                      testId={`weight-group-${g.group}`}
                      onChange={(w) => { setDraft({ ...draft, groups: draft.groups.map((x) => (x.group === g.group ? { ...x, weight: w } : x)) }); }}
                    />
                  </Table.Td>
                  <Table.Td />
                </Table.Tr>,
                ...draft.factors
                  .filter((f) => f.group === g.group)
                  .map((f) => (
                    <Table.Tr key={f.id}>
                      <Table.Td pl="xl">{f.name}</Table.Td>
                      <Table.Td>
                        <WeightSelect
                          value={f.weight}
                          testId={`weight-factor-${f.id}`}
                          onChange={(w) => { setDraft({ ...draft, factors: draft.factors.map((x) => (x.id === f.id ? { ...x, weight: w } : x)) }); }}
                        />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed">
                          {f.known_apps.toLocaleString()}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  )),
              ])}
            </Table.Tbody>
          </Table>
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setDraft({
                  ...draft,
                  unknown_as_zero: false,
                  min_coverage: 0.1,
                  share_alike_overlay: false,
                  groups: draft.groups.map((g) => ({ ...g, weight: g.default_weight })),
                  factors: draft.factors.map((f) => ({ ...f, weight: f.default_weight })),
                });
              }}
            >
              Reset to defaults
            </Button>
            <Button
              loading={save.isPending}
              data-testid="score-metric-save"
              onClick={() => {
                save.mutate(draft, {
                  onSuccess: () => notifications.show({ color: "teal", message: "Score metric saved; scores are recomputed." }),
                  onError: (e) => notifications.show({ color: "red", title: "Not saved", message: e.message }),
                });
              }}
            >
              Save score metric
            </Button>
          </Group>
        </Stack>
  );
}
