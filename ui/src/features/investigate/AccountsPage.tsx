import { ActionIcon, Alert, Anchor, Badge, Button, Chip, Group, Loader, Popover, Select, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconChevronDown, IconChevronRight, IconLink, IconLinkOff, IconSearch } from "@tabler/icons-react";
import { Fragment, useMemo, useState } from "react";
import { Link } from "react-router";
import { QueryError } from "../../components/QueryError";
import { useInstances } from "../connectors/api";
import { useLinkAccount, usePeople, type Person, type PersonAccount, type PersonFilter } from "./api";
import { appName } from "../connectors/appNames";


function when(ms: number | null): string {
  return ms === null ? "—" : new Date(ms).toISOString().slice(0, 10);
}

/** Why this account belongs to its person, in words. */
function why(a: PersonAccount): string {
  switch (a.correlation) {
    case "email":
      return `Same e-mail address (${a.email ?? a.login})`;
    case "sign_in_name":
      return `Sign-in name ${a.login} is an e-mail address`;
    case "linked":
      return `Linked by an analyst (the rule gives ${a.rule_person})`;
    case "alone":
      return `${appName(a.app)} reports no e-mail address: link it to its person by hand`;
  }
}

function LinkButton({ account }: { account: PersonAccount }) {
  const link = useLinkAccount();
  const [open, setOpen] = useState(false);
  const [person, setPerson] = useState("");
  if (account.correlation === "linked")
    return (
      <Tooltip label={`Undo the link: back to ${account.rule_person}`}>
        <ActionIcon
          variant="subtle"
          aria-label="Unlink"
          loading={link.isPending}
          onClick={() => {
            link.mutate(
              { account, person: null },
              { onError: (e) => notifications.show({ color: "red", title: "Cannot unlink", message: e.message }) },
            );
          }}
          data-testid={`unlink-${account.instance_id}-${account.login}`}
        >
          <IconLinkOff size={16} />
        </ActionIcon>
      </Tooltip>
    );
  return (
    <Popover opened={open} onChange={setOpen} position="bottom-end" withArrow trapFocus>
      <Popover.Target>
        <ActionIcon
          variant="subtle"
          aria-label="Link to a person"
          title="Link this account to another person"
          onClick={() => {
            setOpen((o) => !o);
          }}
          data-testid={`link-${account.instance_id}-${account.login}`}
        >
          <IconLink size={16} />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            link.mutate(
              { account, person },
              {
                onSuccess: () => {
                  setOpen(false);
                  notifications.show({ color: "teal", title: "Account linked", message: `${account.login} now counts as ${person.trim().toLowerCase()}.` });
                },
              },
            );
          }}
        >
          <Stack gap="xs" w={300}>
            <TextInput
              label="Person (e-mail address)"
              placeholder="alice@contoso.com"
              value={person}
              onChange={(e) => {
                setPerson(e.currentTarget.value);
              }}
              error={link.error?.message}
              data-autofocus
              data-testid="link-person"
            />
            <Button type="submit" loading={link.isPending} disabled={person.trim() === ""} data-testid="link-confirm">
              Link
            </Button>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

function Accounts({ person }: { person: Person }) {
  return (
    <Table fz="xs" withRowBorders={false} data-testid="person-accounts">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Instance</Table.Th>
          <Table.Th>Account</Table.Th>
          <Table.Th>Kind</Table.Th>
          <Table.Th>Roles</Table.Th>
          <Table.Th>Groups</Table.Th>
          <Table.Th>MFA</Table.Th>
          <Table.Th>Last sign-in</Table.Th>
          <Table.Th>Last activity</Table.Th>
          <Table.Th>Why here</Table.Th>
          <Table.Th />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {person.accounts.map((a) => (
          <Table.Tr key={`${a.instance_id}/${a.external_id}`} data-testid="person-account" data-app={a.app}>
            <Table.Td>
              {a.instance_name}
              <Text size="xs" c="dimmed">
                {appName(a.app)}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="xs">{a.login}</Text>
              {a.status === "disabled" && (
                <Badge size="xs" color="gray">
                  disabled
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{a.kind}</Table.Td>
            <Table.Td>
              {a.is_admin && (
                <Badge size="xs" color="red" variant="light" mr={4}>
                  admin
                </Badge>
              )}
              {a.roles.join(", ")}
            </Table.Td>
            <Table.Td>
              {a.groups.length > 0 ? (
                <Tooltip label={a.groups.join(", ")} multiline w={300}>
                  <Text size="xs">{a.groups.length === 1 ? a.groups[0] : `${String(a.groups.length)} groups`}</Text>
                </Tooltip>
              ) : (
                "—"
              )}
            </Table.Td>
            <Table.Td>
              {a.mfa === null ? (
                <Text size="xs" c="dimmed">
                  not reported
                </Text>
              ) : a.mfa ? (
                "yes"
              ) : (
                <Badge size="xs" color="orange">
                  no
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{when(a.last_sign_in_ms)}</Table.Td>
            <Table.Td>
              {a.last_activity_ms === null ? (
                "—"
              ) : (
                <Anchor component={Link} to={`/activities?instance=${encodeURIComponent(a.instance_id)}&user=${encodeURIComponent(a.login)}`} size="xs">
                  {when(a.last_activity_ms)}
                </Anchor>
              )}
            </Table.Td>
            <Table.Td>
              <Text size="xs" c="dimmed">
                {why(a)}
              </Text>
            </Table.Td>
            <Table.Td>
              <LinkButton account={a} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

const inactivity = [
  { value: "30", label: "Inactive 30 days" },
  { value: "60", label: "Inactive 60 days" },
  { value: "90", label: "Inactive 90 days" },
  { value: "180", label: "Inactive 180 days" },
];

/** People across the connected instances: their accounts, admin rights, external access, activity. */
export function AccountsPage() {
  const instances = useInstances();
  const [text, setText] = useState("");
  const [app, setApp] = useState<string | null>(null);
  const [flags, setFlags] = useState<string[]>([]);
  const [inactive, setInactive] = useState<string | null>(null);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [q] = useDebouncedValue(text, 300);
  const filter: PersonFilter = {
    instance_id: null,
    app,
    admins: flags.includes("admins"),
    external: flags.includes("external"),
    without_mfa: flags.includes("no-mfa"),
    inactive_days: inactive === null ? null : Number(inactive),
    text: q.trim() || null,
  };
  const people = usePeople(filter);
  const rows = useMemo(() => people.data?.pages.flatMap((p) => p.items) ?? [], [people.data]);
  const apps = [...new Set((instances.data ?? []).map((i) => i.app))];
  const filtered = app !== null || flags.length > 0 || inactive !== null || filter.text !== null;
  const toggle = (key: string) => {
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });
  };

  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Accounts</Title>
        <Text c="dimmed" size="sm">
          People across every connected instance: their accounts are joined by e-mail address (or linked by you), with admin rights, external access
          and last activity.
        </Text>
      </div>
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Search"
          placeholder="name, login or e-mail"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
          }}
          w={240}
          data-testid="people-search"
        />
        <Select
          label="App"
          placeholder="All apps"
          clearable
          data={apps.map((a) => ({ value: a, label: appName(a) }))}
          value={app}
          onChange={setApp}
          w={170}
          data-testid="people-app"
        />
        <Select
          label="Activity"
          placeholder="Any"
          clearable
          data={inactivity}
          value={inactive}
          onChange={setInactive}
          w={170}
          data-testid="people-inactive"
        />
        <Chip.Group multiple value={flags} onChange={setFlags}>
          <Group gap="xs" pb={6}>
            <Chip value="admins" data-testid="people-admins">
              Administrators
            </Chip>
            <Chip value="external" data-testid="people-external">
              External
            </Chip>
            <Tooltip label="An account the app reports without a second factor (GitHub to organisation owners; Microsoft 365 with AuditLog.Read.All and Entra ID P1/P2)" multiline w={300}>
              <Chip value="no-mfa" data-testid="people-no-mfa">
                Without MFA
              </Chip>
            </Tooltip>
          </Group>
        </Chip.Group>
      </Group>
      {people.isError && <QueryError title="Cannot read the accounts" error={people.error} onRetry={() => void people.refetch()} />}
      {people.isPending && <Loader size="sm" />}
      {people.data && rows.length === 0 && (
        <Alert color="gray" data-testid="people-empty">
          {filtered ? (
            "No one matches these filters."
          ) : (
            <>
              No accounts yet: <Link to="/connectors">connect an app</Link> and scan it — its users, guests and administrators appear here, one row per person.
            </>
          )}
        </Alert>
      )}
      {rows.length > 0 && (
        <Table highlightOnHover fz="sm" data-testid="people-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={30} />
              <Table.Th>Person</Table.Th>
              <Table.Th>Apps</Table.Th>
              <Table.Th>Accounts</Table.Th>
              <Table.Th>Access</Table.Th>
              <Table.Th>Last active</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Fragment key={p.key}>
                <Table.Tr
                  style={{ cursor: "pointer" }}
                  onClick={() => {
                    toggle(p.key);
                  }}
                  data-testid="person-row"
                  data-person={p.key}
                >
                  <Table.Td>{open.has(p.key) ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}</Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {p.display_name ?? p.key}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {p.key}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {p.apps.map((a) => (
                        <Badge key={a} variant="outline" size="sm">
                          {appName(a)}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{p.accounts.length}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {p.admin && (
                        <Badge color="red" size="sm" variant="light">
                          admin
                        </Badge>
                      )}
                      {p.external && (
                        <Badge color="orange" size="sm" variant="light">
                          external
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{when(p.last_active_ms)}</Table.Td>
                </Table.Tr>
                {open.has(p.key) && (
                  <Table.Tr>
                    <Table.Td />
                    <Table.Td colSpan={5}>
                      <Accounts person={p} />
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {people.hasNextPage && (
        <Button variant="default" loading={people.isFetchingNextPage} onClick={() => void people.fetchNextPage()} data-testid="people-more">
          Show more people
        </Button>
      )}
    </Stack>
  );
}
