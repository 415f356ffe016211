import { ActionIcon, AppShell, Group, Image, NavLink, Text, Title, Tooltip, useComputedColorScheme } from "@mantine/core";
import { IconActivity, IconAlertTriangle, IconApps, IconShieldCheck, IconFiles, IconGitCompare, IconKey, IconUsers, IconCloudSearch, IconInfoCircle, IconPlugConnected, IconMoon, IconSettings, IconSun } from "@tabler/icons-react";
import { NavLink as RouterLink, Outlet } from "react-router";
import { useSetTheme } from "../features/settings/api";

const pages = [
  { to: "/catalog", label: "Cloud App Catalog", icon: IconApps, testId: "nav-catalog" },
  { to: "/discovery", label: "Cloud Discovery", icon: IconCloudSearch, testId: "nav-discovery" },
  { to: "/connectors", label: "Connected apps", icon: IconPlugConnected, testId: "nav-connectors" },
  { to: "/activities", label: "Activity log", icon: IconActivity, testId: "nav-activities" },
  { to: "/accounts", label: "Accounts", icon: IconUsers, testId: "nav-accounts" },
  { to: "/files", label: "Files", icon: IconFiles, testId: "nav-files" },
  { to: "/oauth-apps", label: "OAuth apps", icon: IconKey, testId: "nav-oauth-apps" },
  { to: "/changes", label: "What changed", icon: IconGitCompare, testId: "nav-changes" },
  { to: "/alerts", label: "Alerts", icon: IconAlertTriangle, testId: "nav-alerts" },
  { to: "/policies", label: "Policies", icon: IconShieldCheck, testId: "nav-policies" },
  { to: "/settings", label: "Settings", icon: IconSettings, testId: "nav-settings" },
  { to: "/about", label: "About", icon: IconInfoCircle, testId: "nav-about" },
];

/** The navigation frame: header, left navigation, page. */
export function AppFrame() {
  const scheme = useComputedColorScheme("light");
  const setTheme = useSetTheme();
  const next = scheme === "dark" ? "light" : "dark";
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 232, breakpoint: 0 }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Image src="/icon.png" w={28} h={28} alt="" />
            <Title order={4}>Cloudwarden</Title>
          </Group>
          <Tooltip label={`Switch to ${next} theme`}>
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={`Switch to ${next} theme`}
              data-testid="header-theme-toggle"
              onClick={() => {
                setTheme.mutate(next);
              }}
            >
              {scheme === "dark" ? <IconSun size={18} /> : <IconMoon size={18} />}
            </ActionIcon>
          </Tooltip>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        {pages.map(({ to, label, icon: Icon, testId }) => (
          <RouterLink key={to} to={to} style={{ textDecoration: "none", color: "inherit" }}>
            {({ isActive }) => (
              <NavLink component="span" label={label} active={isActive} leftSection={<Icon size={18} />} data-testid={testId} />
            )}
          </RouterLink>
        ))}
        <Text size="xs" c="dimmed" mt="auto" p="xs">
          Local-first: your data stays on this machine.
        </Text>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
