import { Anchor, Breadcrumbs, Card, Skeleton, Table, Text, Title } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { QueryError } from "../../components/QueryError";
import { useApps } from "./api";
import { pct, ScoreBadge } from "./ScoreBadge";

/** 2–4 apps side by side: score, coverage, and every factor with its source. */
export function ComparePage() {
  const [params] = useSearchParams();
  const ids = (params.get("ids") ?? "").split(",").filter(Boolean).slice(0, 4);
  const apps = useApps(ids);
  const failed = apps.find((q) => q.isError);
  if (ids.length < 2)
    return (
      <Text>
        Pick two to four apps in the <Anchor component={Link} to="/catalog">catalog</Anchor> to compare them.
      </Text>
    );
  if (failed) return <QueryError title="Could not load an app" error={failed.error} onRetry={() => void failed.refetch()} />;
  if (apps.some((q) => q.isPending)) return <Skeleton h={400} />;
  const details = apps.flatMap((q) => (q.data ? [q.data] : []));
  const first = details[0];
  if (!first) return null;
  return (
    <Card withBorder padding="md">
      <Breadcrumbs mb="sm">
        <Anchor component={Link} to="/catalog" size="sm">
          Cloud App Catalog
        </Anchor>
        <Text size="sm">Compare</Text>
      </Breadcrumbs>
      <Title order={2} mb="md">
        Compare apps
      </Title>
      <Table withColumnBorders layout="fixed" data-testid="compare-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={240} />
            {details.map((d) => (
              <Table.Th key={d.id}>
                <Anchor component={Link} to={`/catalog/app/${encodeURIComponent(d.id)}`} fw={700} data-testid="compare-app">
                  {d.name}
                </Anchor>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td fw={600}>Risk score (0–10, 10 = safest)</Table.Td>
            {details.map((d) => (
              <Table.Td key={d.id}>
                <ScoreBadge score={d.score} coverage={d.coverage} confidence={d.confidence} />
              </Table.Td>
            ))}
          </Table.Tr>
          <Table.Tr>
            <Table.Td fw={600}>Coverage</Table.Td>
            {details.map((d) => (
              <Table.Td key={d.id}>{pct(d.coverage)} %</Table.Td>
            ))}
          </Table.Tr>
          <Table.Tr>
            <Table.Td fw={600}>Category</Table.Td>
            {details.map((d) => (
              <Table.Td key={d.id}>{d.categories.map((c) => c.name).join(", ") || "—"}</Table.Td>
            ))}
          </Table.Tr>
          {first.groups.map((g, gi) => [
            <Table.Tr key={g.group} bg="var(--mantine-color-default-hover)">
              <Table.Td fw={700}>{g.name}</Table.Td>
              {details.map((d) => (
                <Table.Td key={d.id}>
                  <ScoreBadge score={d.groups[gi]?.score ?? null} coverage={d.groups[gi]?.coverage} size="sm" />
                </Table.Td>
              ))}
            </Table.Tr>,
            ...g.factors.map((f, fi) => (
              <Table.Tr key={f.id}>
                <Table.Td>{f.name}</Table.Td>
                {details.map((d) => {
                  const v = d.groups[gi]?.factors[fi];
                  return (
                    <Table.Td key={d.id}>
                      {v?.value ?? (
                        <Text span size="sm" c="dimmed">
                          unknown
                        </Text>
                      )}
                      {v?.source && (
                        <Text size="xs" c="dimmed">
                          {v.source.name}, {v.as_of}
                        </Text>
                      )}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            )),
          ])}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
