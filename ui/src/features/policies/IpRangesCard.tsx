import { ActionIcon, Alert, Badge, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { tagLabel, useAddIpRange, useIpRanges, useRemoveIpRange, type IpTag } from "./api";

const tagColor: Record<IpTag, string> = { corporate: "teal", vpn: "blue", risky: "red", cloud_provider: "grape" };

/** Settings → IP ranges: what the analyst's addresses are, for policies and the anomaly detections. */
export function IpRangesCard() {
  const ranges = useIpRanges();
  const add = useAddIpRange();
  const remove = useRemoveIpRange();
  const [cidr, setCidr] = useState("");
  const [tag, setTag] = useState<IpTag>("corporate");
  const [name, setName] = useState("");
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={4}>IP ranges</Title>
        <Text size="sm" c="dimmed">
          Your offices and VPN exits never count as travel or as a new place for a user; policies can look for activity from ranges you tagged risky or from outside the corporate ones.
        </Text>
        <Group align="flex-end" gap="sm">
          <TextInput label="Address or network" placeholder="203.0.113.0/24" value={cidr} onChange={(e) => { setCidr(e.currentTarget.value); }} w={200} data-testid="ip-range-cidr" />
          <Select label="Tag" data={(Object.keys(tagLabel) as IpTag[]).map((t) => ({ value: t, label: tagLabel[t] }))} value={tag} onChange={(v) => { if (v) setTag(v); }} w={160} data-testid="ip-range-tag" />
          <TextInput label="Name" placeholder="Head office" value={name} onChange={(e) => { setName(e.currentTarget.value); }} w={200} />
          <Button
            disabled={cidr.trim() === ""}
            loading={add.isPending}
            onClick={() => {
              add.mutate({ cidr, tag, name }, { onSuccess: () => { setCidr(""); setName(""); } });
            }}
            data-testid="ip-range-add"
          >
            Add
          </Button>
        </Group>
        {add.isError && (
          <Alert color="red" role="alert">
            {add.error.message}
          </Alert>
        )}
        {ranges.error && (
          <Alert color="red" role="alert">
            {ranges.error.message}
          </Alert>
        )}
        {ranges.data?.length === 0 && (
          <Text size="sm" data-testid="ip-ranges-empty">
            No ranges yet. Add your offices and VPN exits first: without them every home network looks like a stranger.
          </Text>
        )}
        {ranges.data && ranges.data.length > 0 && (
          <Table fz="sm" data-testid="ip-ranges">
            <Table.Tbody>
              {ranges.data.map((r) => (
                <Table.Tr key={r.cidr} data-testid="ip-range">
                  <Table.Td ff="monospace">{r.cidr}</Table.Td>
                  <Table.Td>
                    <Badge color={tagColor[r.tag]} variant="light">
                      {tagLabel[r.tag]}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{r.name || "—"}</Table.Td>
                  <Table.Td w={40}>
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove ${r.cidr}`} onClick={() => { remove.mutate(r.cidr); }}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
