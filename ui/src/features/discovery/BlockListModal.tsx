import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCheck, IconCopy, IconDeviceFloppy, IconSearch, IconShieldOff } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { blockListFormats, useBlockList, useBlockListPlan, useExportBlockList, type BlockListDomain, type BlockListFormat } from "./api";

/**
 * The block list of every unsanctioned app, in the syntax of the analyst's proxy or firewall:
 * each domain with why it is there, unticked ones left out, shared infrastructure always kept
 * out (with the reason shown).
 */
export function BlockListModal({ initial, onClose }: { initial: BlockListFormat; onClose: () => void }) {
  const [format, setFormat] = useState<BlockListFormat>(initial);
  const [unticked, setUnticked] = useState<string[]>([]);
  const [filter, setFilter] = useState("");
  const plan = useBlockListPlan();
  const list = useBlockList(format, unticked);
  const save = useExportBlockList();
  const domains = useMemo(() => plan.data?.domains ?? [], [plan.data]);
  const keptOut = domains.filter((d) => d.excluded !== null).length;
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f === "" ? domains : domains.filter((d) => d.domain.includes(f) || d.app_name.toLowerCase().includes(f));
  }, [domains, filter]);
  const toggle = (d: BlockListDomain, on: boolean) => {
    setUnticked((u) => (on ? u.filter((x) => x !== d.domain) : [...u, d.domain].sort()));
  };
  const error = plan.error ?? list.error;
  return (
    <Modal opened onClose={onClose} title="Block list of unsanctioned apps" size="xl">
      <Stack gap="sm">
        <Group align="flex-end" grow>
          <Select
            label="Syntax"
            data={blockListFormats.map((f) => ({ value: f.value, label: f.label }))}
            value={format}
            onChange={(v) => {
              const f = blockListFormats.find((b) => b.value === v);
              if (f) setFormat(f.value);
            }}
            allowDeselect={false}
            data-testid="block-list-format"
          />
          <TextInput
            label="Find a domain or app"
            leftSection={<IconSearch size={14} />}
            value={filter}
            onChange={(e) => {
              setFilter(e.currentTarget.value);
            }}
            data-testid="block-list-filter"
          />
        </Group>
        {(plan.isPending || list.isPending) && <Loader size="sm" />}
        {error && (
          <Alert color="yellow" data-testid="block-list-error">
            {error.message}
          </Alert>
        )}
        {plan.data && (
          <>
            <Text size="sm" data-testid="block-list-plan-summary">
              {domains.length - keptOut - unticked.length} of {domains.length} domains ticked for {plan.data.apps} unsanctioned app
              {plan.data.apps === 1 ? "" : "s"}. {keptOut > 0 && `${String(keptOut)} kept out because they are shared infrastructure. `}
              {plan.data.unverified_left_out > 0 &&
                `${String(plan.data.unverified_left_out)} related, unverified domains are not listed: nothing shows they are the apps'.`}
            </Text>
            <ScrollArea h={250} type="auto" data-testid="block-list-domains">
              <Table stickyHeader striped highlightOnHover fz="sm" verticalSpacing={4}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={36} />
                    <Table.Th>Domain</Table.Th>
                    <Table.Th w={130}>App</Table.Th>
                    <Table.Th>Why it is here</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((d) => (
                    <Table.Tr key={`${d.app_id}/${d.domain}`} data-testid={`block-domain-${d.domain}`}>
                      <Table.Td>
                        {d.excluded === null ? (
                          <Checkbox
                            aria-label={`Block ${d.domain}`}
                            checked={!unticked.includes(d.domain)}
                            onChange={(e) => {
                              toggle(d, e.currentTarget.checked);
                            }}
                            data-testid={`block-tick-${d.domain}`}
                          />
                        ) : (
                          <Tooltip label={d.excluded} multiline w={320}>
                            <IconShieldOff size={16} color="var(--mantine-color-orange-6)" aria-label="Kept out" />
                          </Tooltip>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace" td={d.excluded !== null || unticked.includes(d.domain) ? "line-through" : undefined}>
                          {d.subdomains ? "*." : ""}
                          {d.domain}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs">{d.app_name}</Text>
                      </Table.Td>
                      <Table.Td>
                        {d.excluded !== null ? (
                          <Group gap={4} wrap="nowrap">
                            <Badge color="orange" variant="light" size="xs">
                              Kept out
                            </Badge>
                            <Text size="xs" c="dimmed">
                              {d.excluded}
                            </Text>
                          </Group>
                        ) : (
                          <Text size="xs" c="dimmed">
                            {d.reason}
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
          </>
        )}
        {list.data && (
          <>
            <Text size="sm" data-testid="block-list-summary">
              {list.data.entries} entries blocking {list.data.apps} unsanctioned app{list.data.apps === 1 ? "" : "s"}. Tags apply in every report;
              suffix entries cover subdomains.
            </Text>
            <ScrollArea.Autosize mah={200} type="auto">
              <Code block data-testid="block-list-text">
                {list.data.text}
              </Code>
            </ScrollArea.Autosize>
          </>
        )}
        <Group justify="flex-end">
          <CopyButton value={list.data?.text ?? ""}>
            {({ copied, copy }) => (
              <Button
                variant="default"
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                onClick={copy}
                disabled={!list.data}
              >
                {copied ? "Copied" : "Copy"}
              </Button>
            )}
          </CopyButton>
          <Button
            leftSection={<IconDeviceFloppy size={16} />}
            disabled={!list.data}
            loading={save.isPending}
            onClick={() => {
              save.mutate(
                { format, skip: unticked },
                {
                  onSuccess: (r) => {
                    if (r !== null)
                      notifications.show({ color: "teal", title: "Block list saved", message: `${String(r.entries)} entries written to ${r.path}` });
                  },
                  onError: (e) => {
                    notifications.show({ color: "red", title: "Cannot save the block list", message: e.message });
                  },
                },
              );
            }}
            data-testid="block-list-save"
          >
            Save as…
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
