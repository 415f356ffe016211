import { Alert, Button, Code, CopyButton, Group, Loader, Modal, ScrollArea, Select, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCheck, IconCopy, IconDeviceFloppy } from "@tabler/icons-react";
import { useState } from "react";
import { blockListFormats, useBlockList, useExportBlockList, type BlockListFormat } from "./api";

/** The block list of every unsanctioned app, in the syntax of the analyst's proxy or firewall. */
export function BlockListModal({ initial, onClose }: { initial: BlockListFormat; onClose: () => void }) {
  const [format, setFormat] = useState<BlockListFormat>(initial);
  const list = useBlockList(format);
  const save = useExportBlockList();
  return (
    <Modal opened onClose={onClose} title="Block list of unsanctioned apps" size="xl">
      <Stack gap="sm">
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
        {list.isPending && <Loader size="sm" />}
        {list.isError && (
          <Alert color="yellow" data-testid="block-list-error">
            {list.error.message}
          </Alert>
        )}
        {list.data && (
          <>
            <Text size="sm" data-testid="block-list-summary">
              {list.data.entries} entries blocking {list.data.apps} unsanctioned app{list.data.apps === 1 ? "" : "s"}.
              Tags apply in every report; suffix entries cover subdomains.
            </Text>
            <ScrollArea.Autosize mah={360} type="auto">
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
              save.mutate(format, {
                onSuccess: (r) => {
                  if (r !== null)
                    notifications.show({ color: "teal", title: "Block list saved", message: `${String(r.entries)} entries written to ${r.path}` });
                },
                onError: (e) => {
                  notifications.show({ color: "red", title: "Cannot save the block list", message: e.message });
                },
              });
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
