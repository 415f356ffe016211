import { Badge, Card, Group, Image, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { QueryError } from "../../components/QueryError";
import { useAbout, type Attribution } from "./api";

function AttributionTable({ rows, testId, last }: { rows: Attribution[]; testId: string; last: string }) {
  return (
    <Table striped data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Name</Table.Th>
          <Table.Th>Licence</Table.Th>
          <Table.Th>{last}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.name}>
            <Table.Td>
              <Text size="sm" fw={600}>
                {row.name}
              </Text>
              <Text size="xs" c="dimmed">
                {row.url}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{row.license}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{row.usage}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function AboutPage() {
  const about = useAbout();
  if (about.isPending) return <Skeleton h={240} />;
  if (about.isError)
    return <QueryError title="Could not read build information" error={about.error} onRetry={() => void about.refetch()} />;
  const a = about.data;
  return (
    <Stack gap="lg" maw={960}>
      <Card withBorder padding="lg">
        <Group gap="lg">
          <Image src="/icon.png" w={72} h={72} alt="Cloudwarden logo" />
          <Stack gap={4}>
            <Title order={2}>{a.name}</Title>
            <Group gap="xs">
              <Badge variant="light" data-testid="about-version">
                version {a.version}
              </Badge>
              <Badge variant="light" color="gray" data-testid="about-license">
                {a.license}
              </Badge>
            </Group>
            <Text size="sm" c="dimmed">
              A local-first cloud access security broker: discover the cloud apps in use, judge their risk and watch the
              sanctioned ones — on your desktop, without a cloud service.
            </Text>
          </Stack>
        </Group>
      </Card>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          Third-party data
        </Title>
        {a.data_sources.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="about-no-data-sources">
            This build ships no third-party data sets. Data sets added later (such as the app catalog's sources) are
            listed here with the attribution their licences require.
          </Text>
        ) : (
          <AttributionTable rows={a.data_sources} testId="about-data-sources" last="Attribution" />
        )}
      </Card>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          Built with
        </Title>
        <AttributionTable rows={a.components} testId="about-components" last="Used for" />
      </Card>
    </Stack>
  );
}
