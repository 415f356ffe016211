import { Badge, Group, Stack, Table, Text } from "@mantine/core";
import { Fragment } from "react";
import type { UploadInfo } from "./api";
import { formatBytes, formatCount, formatDuration, formatTime, isBenignSkip, reasonLabel } from "./format";
import { MalformedSamples } from "./UploadModal";

/** Every file uploaded into the report, with its line accounting and malformed samples. */
export function UploadsTable({ uploads }: { uploads: UploadInfo[] }) {
  return (
    <Table withTableBorder data-testid="uploads-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>File</Table.Th>
          <Table.Th>Format</Table.Th>
          <Table.Th ta="right">Size</Table.Th>
          <Table.Th ta="right">Lines</Table.Th>
          <Table.Th ta="right">Parsed</Table.Th>
          <Table.Th>Skipped</Table.Th>
          <Table.Th>Uploaded (UTC)</Table.Th>
          <Table.Th ta="right">Took</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {uploads.map((u) => (
          <Fragment key={u.upload_id}>
            <Table.Tr>
              <Table.Td title={u.file_name}>{u.file_name.split(/[\\/]/).pop()}</Table.Td>
              <Table.Td>
                {u.error ? (
                  <Text span size="sm" c="red">
                    not read: {u.error}
                  </Text>
                ) : (
                  <>
                    {u.format}{" "}
                    <Text span size="xs" c="dimmed">
                      ({Math.round((u.confidence ?? 0) * 100)} %)
                    </Text>
                  </>
                )}
              </Table.Td>
              <Table.Td ta="right">{formatBytes(u.bytes)}</Table.Td>
              <Table.Td ta="right">{formatCount(u.lines.total)}</Table.Td>
              <Table.Td ta="right">{formatCount(u.lines.parsed)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {Object.entries(u.lines.skipped_by_reason).map(([reason, n]) => (
                    <Badge
                      key={reason}
                      size="xs"
                      variant="light"
                      color={isBenignSkip(reason) ? "gray" : "orange"}
                    >
                      {reasonLabel(reason)}: {formatCount(n)}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{formatTime(u.created_at_ms)}</Table.Td>
              <Table.Td ta="right">{formatDuration(u.duration_ms)}</Table.Td>
            </Table.Tr>
            {u.samples.length > 0 && (
              <Table.Tr>
                <Table.Td colSpan={8}>
                  <Stack gap={0}>
                    <MalformedSamples samples={u.samples} />
                  </Stack>
                </Table.Td>
              </Table.Tr>
            )}
          </Fragment>
        ))}
      </Table.Tbody>
    </Table>
  );
}
