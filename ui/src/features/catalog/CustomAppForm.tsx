import { ActionIcon, Button, Group, Modal, MultiSelect, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { useCategories, useFactors, useSaveCustomApp, type AppDetail } from "./api";

type FactorRow = { factor: string | null; value: string; citation: string };

/**
 * Add a custom app, or edit an app (a built-in one becomes an analyst-edited record).
 * Mount it when the dialog opens: its fields start from `app`.
 */
export function CustomAppForm({
  onClose,
  onSaved,
  app,
  initialDomains,
}: {
  onClose: () => void;
  onSaved: (id: string) => void;
  app?: AppDetail;
  /** Domains to start a new app with (an unmatched domain from Cloud Discovery). */
  initialDomains?: string[];
}) {
  const categories = useCategories();
  const factors = useFactors();
  const save = useSaveCustomApp();
  const [name, setName] = useState(app?.name ?? "");
  const [vendor, setVendor] = useState(app?.vendor?.value ?? "");
  const [domains, setDomains] = useState(() =>
    app === undefined
      ? (initialDomains ?? []).join("\n")
      : app.domains.map((d) => (d.match_kind === "exact" ? `=${d.pattern}` : d.pattern)).join("\n"),
  );
  const [cats, setCats] = useState<string[]>(() => (app?.categories ?? []).map((c) => c.id));
  const [rows, setRows] = useState<FactorRow[]>(() =>
    (app?.groups ?? [])
      .flatMap((g) => g.factors)
      .filter((f) => f.value !== null)
      .map((f) => ({ factor: f.id, value: (f.value ?? "").toLowerCase(), citation: f.reference ?? f.source?.url ?? "" })),
  );

  const submit = () => {
    save.mutate(
      {
        id: app?.id ?? null,
        name,
        vendor: vendor || null,
        domains: domains.split(/[\s,]+/).filter(Boolean),
        categories: cats,
        factors: rows.filter((r) => r.factor).map((r) => ({ factor: r.factor ?? "", value: r.value, citation: r.citation })),
      },
      { onSuccess: (d) => { onSaved(d.id); } },
    );
  };

  return (
    <Modal opened onClose={onClose} title={app ? `Edit ${app.name}` : "Add a custom app"} size="lg">
      <Stack gap="sm">
        {app && !app.custom && (
          <Text size="sm" c="dimmed">
            Your edit replaces the built-in record of this app in this installation; delete the edit to return to it.
          </Text>
        )}
        <TextInput label="Name" required value={name} onChange={(e) => { setName(e.currentTarget.value); }} data-testid="custom-app-name" />
        <TextInput label="Vendor" value={vendor} onChange={(e) => { setVendor(e.currentTarget.value); }} />
        <Textarea
          label="Domains"
          description="One per line. example.com matches it and every sub-domain; =files.example.com matches only that host."
          required
          autosize
          minRows={2}
          value={domains}
          onChange={(e) => { setDomains(e.currentTarget.value); }}
          data-testid="custom-app-domains"
        />
        <MultiSelect
          label="Categories"
          data={(categories.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={cats}
          onChange={setCats}
          searchable
          data-testid="custom-app-categories"
        />
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            Risk factors
          </Text>
          <Text size="xs" c="dimmed">
            Every value needs a citation — the URL or document it comes from. Leave a factor out when you do not know it.
          </Text>
          {rows.map((r, i) => {
            const def = factors.data?.find((f) => f.id === r.factor);
            const update = (patch: Partial<FactorRow>) => {
              setRows((rs) => rs.map((x, j) => (j === i ? { ...x, ...patch } : x)));
            };
            return (
              <Group key={i} gap="xs" align="end" wrap="nowrap">
                <Select
                  placeholder="Factor"
                  data={(factors.data ?? []).map((f) => ({ value: f.id, label: f.name }))}
                  value={r.factor}
                  onChange={(v) => { update({ factor: v, value: "" }); }}
                  searchable
                  w={220}
                />
                {def && (def.values.includes("date") || def.values.includes("number")) ? (
                  <TextInput
                    placeholder={def.values.includes("date") ? "YYYY-MM-DD" : "number"}
                    value={r.value}
                    onChange={(e) => { update({ value: e.currentTarget.value }); }}
                    w={120}
                  />
                ) : (
                  <Select placeholder="Value" data={def?.values ?? []} value={r.value || null} onChange={(v) => { update({ value: v ?? "" }); }} w={120} />
                )}
                <TextInput
                  placeholder="Citation (URL)"
                  value={r.citation}
                  onChange={(e) => { update({ citation: e.currentTarget.value }); }}
                  style={{ flex: 1 }}
                />
                <ActionIcon variant="subtle" color="red" aria-label="Remove factor" onClick={() => { setRows((rs) => rs.filter((_, j) => j !== i)); }}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            );
          })}
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => { setRows((rs) => [...rs, { factor: null, value: "", citation: "" }]); }}
            w="fit-content"
          >
            Add a factor
          </Button>
        </Stack>
        {save.isError && (
          <Text c="red" size="sm" role="alert">
            {save.error.message}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending} data-testid="custom-app-save">
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
