import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  Loader,
  Modal,
  PasswordInput,
  SegmentedControl,
  Stack,
  Stepper,
  Text,
  TextInput,
} from "@mantine/core";
import { IconBrandGithub, IconCheck, IconX } from "@tabler/icons-react";
import { useState } from "react";
import { openLink } from "../catalog/api";
import { useConnectGithub, useConnectors, useGithubDevice, type InstanceView } from "./api";
import { statusColor } from "./status";

/** What to create on GitHub before connecting, stated exactly. */
function GithubInstructions() {
  return (
    <Stack gap="xs" data-testid="wizard-instructions">
      <Text size="sm">
        Cloudwarden reads the organisation with a token of an <b>organisation owner</b>. On GitHub, open{" "}
        <Anchor
          size="sm"
          onClick={() => {
            openLink("https://github.com/settings/tokens/new");
          }}
        >
          Settings → Developer settings → Personal access tokens → Tokens (classic)
        </Anchor>{" "}
        and create a token with these scopes:
      </Text>
      <List size="sm" spacing={2}>
        <List.Item>
          <Code>read:org</Code> — members with their role, teams and team members, org owners
        </List.Item>
        <List.Item>
          <Code>repo</Code> — private and internal repositories with their collaborators
        </List.Item>
        <List.Item>
          <Code>read:audit_log</Code> — the organisation audit log (GitHub Enterprise Cloud only)
        </List.Item>
        <List.Item>
          <Code>admin:org</Code> (read is enough in practice) — GitHub App installations and SAML credential
          authorizations
        </List.Item>
      </List>
      <Text size="sm">
        Or, to authorize in the browser instead of pasting a token: create an <b>OAuth app</b> (Settings → Developer
        settings → OAuth Apps → New OAuth App, callback URL <Code>http://127.0.0.1</Code>), tick{" "}
        <b>Enable Device Flow</b>, and use its client id with the device flow below. An owner approves the same scopes.
      </Text>
      <Text size="sm" c="dimmed">
        If the organisation enforces SAML single sign-on, authorize the token for it (Configure SSO → Authorize). The
        token goes to the OS keychain, never to the database. Without Enterprise Cloud, the audit log is reported as
        unavailable and everything else is scanned.
      </Text>
    </Stack>
  );
}

/** Connect an app: pick the app, read what to register on the vendor side, enter the details. */
export function ConnectWizard({ onClose, onConnected }: { onClose: () => void; onConnected: (i: InstanceView) => void }) {
  const connectors = useConnectors();
  const connect = useConnectGithub();
  const device = useGithubDevice();
  const [method, setMethod] = useState<"token" | "device">("token");
  const [clientId, setClientId] = useState("");
  const [oauthUrl, setOauthUrl] = useState("");
  const [step, setStep] = useState(0);
  const [name, setName] = useState("");
  const [org, setOrg] = useState("");
  const [apiUrl, setApiUrl] = useState("");
  const [token, setToken] = useState("");
  const result = method === "token" ? connect.data : device.finish.data;
  const error = method === "token" ? connect.error : (device.start.error ?? device.finish.error);
  const startDevice = () => {
    device.start.mutate(
      {
        name,
        org,
        api_url: apiUrl.trim() === "" ? null : apiUrl.trim(),
        client_id: clientId,
        oauth_url: oauthUrl.trim() === "" ? null : oauthUrl.trim(),
      },
      {
        onSuccess: (code) => {
          device.finish.mutate(code.flow_id);
        },
      },
    );
  };
  const github = connectors.data?.find((c) => c.id === "github");

  return (
    <Modal opened onClose={onClose} title="Connect an app" size="xl">
      <Stepper active={step} size="sm">
        <Stepper.Step label="App">
          <Stack gap="sm" mt="md">
            {github && (
              <Card
                withBorder
                padding="md"
                style={{ cursor: "pointer" }}
                onClick={() => {
                  setStep(1);
                }}
                data-testid="wizard-app-github"
              >
                <Group justify="space-between">
                  <Group gap="sm">
                    <IconBrandGithub size={28} />
                    <div>
                      <Text fw={600}>{github.name}</Text>
                      <Text size="xs" c="dimmed">
                        Enterprise Cloud, github.com organisations, Enterprise Server
                      </Text>
                    </div>
                  </Group>
                  <Group gap={4}>
                    {Object.entries(github.capabilities)
                      .filter(([, v]) => v)
                      .map(([k]) => (
                        <Badge key={k} size="xs" variant="light">
                          {k.replace("_", " ")}
                        </Badge>
                      ))}
                  </Group>
                </Group>
              </Card>
            )}
            <Text size="xs" c="dimmed">
              Microsoft 365 and more connectors come next.
            </Text>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Register on GitHub">
          <Stack gap="md" mt="md">
            <GithubInstructions />
            <Group justify="space-between">
              <Button
                variant="default"
                onClick={() => {
                  setStep(0);
                }}
              >
                Back
              </Button>
              <Button
                onClick={() => {
                  setStep(2);
                }}
                data-testid="wizard-next"
              >
                I have the token
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Connect">
          <Stack gap="sm" mt="md">
            <TextInput
              label="Instance name"
              description="Several instances of one app are fine (one per organisation)"
              required
              value={name}
              onChange={(e) => {
                setName(e.currentTarget.value);
              }}
              data-testid="wizard-name"
            />
            <TextInput
              label="Organisation"
              description="Its login, as in github.com/ORG"
              required
              value={org}
              onChange={(e) => {
                setOrg(e.currentTarget.value);
              }}
              data-testid="wizard-org"
            />
            <TextInput
              label="API URL"
              description="Leave empty for github.com; https://HOST/api/v3 for GitHub Enterprise Server"
              placeholder="https://api.github.com"
              value={apiUrl}
              onChange={(e) => {
                setApiUrl(e.currentTarget.value);
              }}
              data-testid="wizard-api-url"
            />
            <SegmentedControl
              value={method}
              onChange={(v) => {
                setMethod(v === "device" ? "device" : "token");
              }}
              data={[
                { value: "token", label: "Token" },
                { value: "device", label: "OAuth app (device flow)" },
              ]}
              data-testid="wizard-method"
            />
            {method === "token" ? (
              <PasswordInput
                label="Token"
                required
                value={token}
                onChange={(e) => {
                  setToken(e.currentTarget.value);
                }}
                data-testid="wizard-token"
              />
            ) : (
              <>
                <TextInput
                  label="OAuth app client id"
                  required
                  value={clientId}
                  onChange={(e) => {
                    setClientId(e.currentTarget.value);
                  }}
                  data-testid="wizard-client-id"
                />
                <TextInput
                  label="OAuth URL"
                  description="Leave empty for github.com; https://HOST for GitHub Enterprise Server"
                  placeholder="https://github.com"
                  value={oauthUrl}
                  onChange={(e) => {
                    setOauthUrl(e.currentTarget.value);
                  }}
                  data-testid="wizard-oauth-url"
                />
                {device.start.data && device.finish.isPending && (
                  <Alert color="blue" title="Approve on GitHub" data-testid="wizard-device">
                    <Stack gap={6}>
                      <Text size="sm">
                        Open{" "}
                        <Anchor
                          size="sm"
                          onClick={() => {
                            if (device.start.data) openLink(device.start.data.verification_uri);
                          }}
                        >
                          {device.start.data.verification_uri}
                        </Anchor>{" "}
                        as an organisation owner and enter this code:
                      </Text>
                      <Code fz="xl" data-testid="wizard-device-code">
                        {device.start.data.user_code}
                      </Code>
                      <Group gap="xs">
                        <Loader size="xs" />
                        <Text size="sm" c="dimmed">
                          Waiting for your approval…
                        </Text>
                      </Group>
                    </Stack>
                  </Alert>
                )}
              </>
            )}
            {error && (
              <Alert color="red" role="alert">
                {error.message}
              </Alert>
            )}
            {result && (
              <Alert
                color={statusColor[result.status] ?? "gray"}
                title={result.status === "connected" ? `Connected as ${result.principal ?? "?"}` : "Connection failed"}
                data-testid="wizard-result"
              >
                <Stack gap={4}>
                  {result.status_detail && <Text size="sm">{result.status_detail}</Text>}
                  {result.permissions.map((p) => (
                    <Group key={p.name} gap={6} wrap="nowrap">
                      {p.granted ? <IconCheck size={14} color="teal" /> : <IconX size={14} color="orange" />}
                      <Text size="sm">{p.name}</Text>
                    </Group>
                  ))}
                </Stack>
              </Alert>
            )}
            <Group justify="space-between">
              <Button
                variant="default"
                onClick={() => {
                  setStep(1);
                }}
              >
                Back
              </Button>
              {result?.status === "connected" ? (
                <Button
                  onClick={() => {
                    onConnected(result);
                  }}
                  data-testid="wizard-done"
                >
                  Done — scan it now
                </Button>
              ) : method === "token" ? (
                <Button
                  loading={connect.isPending}
                  disabled={name.trim() === "" || org.trim() === "" || token.trim() === ""}
                  onClick={() => {
                    connect.mutate({ name, org, api_url: apiUrl.trim() === "" ? null : apiUrl.trim(), token });
                  }}
                  data-testid="wizard-connect"
                >
                  Connect and check permissions
                </Button>
              ) : (
                <Button
                  loading={device.start.isPending || device.finish.isPending}
                  disabled={name.trim() === "" || org.trim() === "" || clientId.trim() === ""}
                  onClick={startDevice}
                  data-testid="wizard-device-start"
                >
                  Get a code and authorize
                </Button>
              )}
            </Group>
          </Stack>
        </Stepper.Step>
      </Stepper>
    </Modal>
  );
}
