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
import { IconBrandGithub, IconBrandOffice, IconCheck, IconX } from "@tabler/icons-react";
import { useState, type ReactNode } from "react";
import { openLink } from "../catalog/api";
import {
  IpcError,
  useAuthorize,
  useConnectGithub,
  useConnectM365,
  useConnectors,
  useGithubDevice,
  type ConnectorView,
  type InstanceView,
} from "./api";
import { statusColor } from "./status";

/** A link that opens in the system browser. */
function Ext({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Anchor
      size="sm"
      onClick={() => {
        openLink(href);
      }}
    >
      {children}
    </Anchor>
  );
}

/** What to create on GitHub before connecting, stated exactly. */
function GithubInstructions() {
  return (
    <Stack gap="xs" data-testid="wizard-instructions">
      <Text size="sm">
        Cloudwarden reads the organisation with the rights of an <b>organisation owner</b>. Choose one way:
      </Text>
      <Text size="sm">
        <b>Fine-grained token (recommended, read-only)</b> — open{" "}
        <Ext href="https://github.com/settings/personal-access-tokens/new">
          Settings → Developer settings → Personal access tokens → Fine-grained tokens
        </Ext>
        , choose the organisation as resource owner and <b>All repositories</b>, and grant only:
      </Text>
      <List size="sm" spacing={2}>
        <List.Item>
          Repository permissions → <Code>Metadata: Read-only</Code> — repositories, private and internal ones
          included, with their collaborators
        </List.Item>
        <List.Item>
          Organization permissions → <Code>Members: Read-only</Code> — members with their role, teams, outside
          collaborators
        </List.Item>
        <List.Item>
          Organization permissions → <Code>Administration: Read-only</Code> — the audit log (GitHub Enterprise Cloud)
          and GitHub App installations
        </List.Item>
      </List>
      <Text size="sm">
        A <b>GitHub App</b> installed on the organisation with the same three read-only permissions works the same way.
      </Text>
      <Text size="sm">
        <b>Classic token</b> — under{" "}
        <Ext href="https://github.com/settings/tokens/new">Personal access tokens → Tokens (classic)</Ext>, the scopes{" "}
        <Code>read:org</Code> and <Code>read:audit_log</Code>. Classic tokens have no read-only scope for private
        repositories (<Code>repo</Code> also grants write access), so Cloudwarden does not ask for it: without it,
        only public repositories are listed.
      </Text>
      <Text size="sm">
        <b>OAuth app</b> — create one under{" "}
        <Ext href="https://github.com/settings/applications/new">Settings → Developer settings → OAuth Apps</Ext> with
        the callback URL <Code>http://127.0.0.1</Code> (any port is accepted for loopback addresses). Sign in with it in
        the browser (client id and client secret), or tick <b>Enable Device Flow</b> and approve a code instead (client
        id only). Cloudwarden asks for <Code>read:org</Code>, <Code>read:audit_log</Code> and <Code>read:user</Code>{" "}
        only, so private repositories are not listed this way.
      </Text>
      <Text size="sm" c="dimmed">
        If the organisation enforces SAML single sign-on, authorize the token for it (Configure SSO → Authorize). Tokens
        go to the OS keychain, never to the database. Without Enterprise Cloud, the audit log is reported as unavailable
        and everything else is scanned.
      </Text>
    </Stack>
  );
}

/** The Microsoft Graph permissions, each with what it reads. */
const m365Permissions: [string, string][] = [
  ["User.Read.All", "users, guests, account status"],
  ["GroupMember.Read.All", "groups with members and owners"],
  [
    "RoleManagement.Read.Directory",
    "admin roles: active, through role-assignable groups, and eligible (PIM, needs Entra ID P2)",
  ],
  ["AuditLog.Read.All", "directory audits, sign-ins, last sign-in and MFA registration (sign-ins and MFA need Entra ID P1/P2)"],
  ["AuditLogsQuery.Read.All", "file, sharing and mailbox activity from the unified audit log"],
  ["Sites.Read.All", "OneDrive and SharePoint files with their sharing"],
  ["Directory.Read.All", "delegated OAuth grants"],
  ["Application.Read.All", "apps and the application permissions they hold"],
];

/** What to register in Microsoft Entra ID before connecting, stated exactly. */
function M365Instructions() {
  return (
    <Stack gap="xs" data-testid="wizard-instructions">
      <Text size="sm">
        In the{" "}
        <Ext href="https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade">
          Microsoft Entra admin center → App registrations → New registration
        </Ext>
        , register an app for this tenant only (<i>Accounts in this organizational directory only</i>). Note its{" "}
        <b>Application (client) ID</b> and <b>Directory (tenant) ID</b>. Then, under <b>API permissions → Add a
        permission → Microsoft Graph</b>, add these and click <b>Grant admin consent</b> (a Global Administrator or
        Privileged Role Administrator must do it):
      </Text>
      <List size="sm" spacing={2} data-testid="wizard-permissions">
        {m365Permissions.map(([name, what]) => (
          <List.Item key={name}>
            <Code>{name}</Code> — {what}
          </List.Item>
        ))}
      </List>
      <Text size="sm">
        <b>Client credentials</b> (recommended for continuous scans): add all eight as <b>Application permissions</b>,
        then create a secret under <b>Certificates &amp; secrets → New client secret</b> and copy its <b>Value</b> (not
        its Secret ID). Optional: <Code>Sites.FullControl.All</Code> (application) — Microsoft requires it to report
        sharing changes between scans (a new link on an unchanged file); without it such a change shows when the drive
        is next read in full.
      </Text>
      <Text size="sm">
        <b>Sign in as an administrator</b>: add the same eight as <b>Delegated permissions</b>, plus{" "}
        <Code>offline_access</Code>. Under <b>Authentication → Add a platform → Mobile and desktop applications</b>{" "}
        add the redirect URI <Code>http://127.0.0.1</Code> and turn on <b>Allow public client flows</b>. The portal
        refuses an <Code>http</Code> redirect URI typed in the box: open the app&apos;s <b>Manifest</b> and add{" "}
        <Code>{'{"url": "http://127.0.0.1", "type": "InstalledClient"}'}</Code> to <Code>replyUrlsWithType</Code>{" "}
        (Microsoft: the port of a loopback redirect URI is ignored, so any free port works). The browser opens
        Microsoft&apos;s sign-in page; no secret is needed. A signed-in user sees SharePoint sites only (not users&apos;
        OneDrives) and only the sharing that user may see.
      </Text>
      <Text size="sm" c="dimmed">
        Secrets and tokens go to the OS keychain, never to the database. A permission that is not granted is reported
        by name and its phase skipped; the rest is scanned.
      </Text>
    </Stack>
  );
}

const empty = (s: string) => (s.trim() === "" ? null : s.trim());

/** A refused credential in plain words, with the vendor's own text in a detail line. */
function ErrorText({ message, detail, testid }: { message: string; detail: string | null; testid: string }) {
  return (
    <span data-testid={testid}>
      {message}
      {detail && (
        <Text component="span" display="block" size="xs" c="dimmed" data-testid={`${testid}-detail`}>
          {detail}
        </Text>
      )}
    </span>
  );
}

function Field({
  label,
  value,
  set,
  testid,
  description,
  placeholder,
  required,
  secret,
  error,
}: {
  label: string;
  value: string;
  set: (v: string) => void;
  testid: string;
  description?: string;
  placeholder?: string;
  required?: boolean;
  secret?: boolean;
  /** A refused credential that concerns this field. */
  error?: IpcError | null;
}) {
  const Input = secret ? PasswordInput : TextInput;
  return (
    <Input
      label={label}
      description={description}
      placeholder={placeholder}
      required={required}
      value={value}
      onChange={(e) => {
        set(e.currentTarget.value);
      }}
      error={error ? <ErrorText message={error.message} detail={error.detail} testid={`${testid}-error`} /> : undefined}
      data-testid={testid}
    />
  );
}

/** The result of a connection attempt: status, who, and each permission. */
function Result({ result }: { result: InstanceView }) {
  return (
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
  );
}

/** Waiting for the browser to come back to the loopback redirect. */
function BrowserWait({ url, onCancel }: { url: string; onCancel: () => void }) {
  return (
    <Alert color="blue" title="Sign in in your browser" data-testid="wizard-browser">
      <Stack gap={6}>
        <Text size="sm">
          The sign-in page opened in your browser. If it did not, <Ext href={url}>open it again</Ext> or copy this
          address into a browser on this computer:
        </Text>
        <Code block fz="xs" style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }} data-testid="wizard-authorize-url">
          {url}
        </Code>
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm" c="dimmed">
            Waiting for the browser to come back…
          </Text>
          <Button size="compact-xs" variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

type Method = "token" | "device" | "browser" | "client_credentials";

/** The connection form of one app, with its authorization methods. */
function ConnectForm({
  app,
  onBack,
  onConnected,
}: {
  app: "github" | "m365";
  onBack: () => void;
  onConnected: (i: InstanceView) => void;
}) {
  const connectGithub = useConnectGithub();
  const connectM365 = useConnectM365();
  const device = useGithubDevice();
  const authorize = useAuthorize();
  const [method, setMethod] = useState<Method>(app === "github" ? "token" : "client_credentials");
  const [name, setName] = useState("");
  const [org, setOrg] = useState("");
  const [tenant, setTenant] = useState("");
  const [apiUrl, setApiUrl] = useState("");
  const [loginUrl, setLoginUrl] = useState("");
  const [token, setToken] = useState("");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");

  const byMethod = {
    token: { result: connectGithub.data, error: connectGithub.error, pending: connectGithub.isPending },
    device: {
      result: device.finish.data,
      error: device.start.error ?? device.finish.error,
      pending: device.start.isPending || device.finish.isPending,
    },
    browser: {
      result: authorize.finish.data,
      error: authorize.start.error ?? authorize.finish.error,
      pending: authorize.start.isPending || authorize.finish.isPending,
    },
    client_credentials: { result: connectM365.data, error: connectM365.error, pending: connectM365.isPending },
  }[method];
  const { result, error, pending } = byMethod;
  // A refused credential goes beside its field when the form shows that field; anything
  // else in the alert below the form.
  const failure = error instanceof IpcError ? error : null;
  const shown: Record<string, boolean> = {
    tenant: app === "m365",
    client_id: method !== "token",
    client_secret: method === "client_credentials" || (method === "browser" && app === "github"),
  };
  const beside = failure?.field && shown[failure.field] ? failure : null;
  const at = (field: string) => (beside?.field === field ? beside : null);
  const general = error && !beside ? error : null;

  const where = app === "github" ? org : tenant;
  const ready =
    name.trim() !== "" &&
    where.trim() !== "" &&
    (method === "token"
      ? token.trim() !== ""
      : method === "client_credentials"
        ? clientId.trim() !== "" && clientSecret.trim() !== ""
        : clientId.trim() !== "");

  const go = () => {
    if (method === "token") {
      connectGithub.mutate({ name, org, api_url: empty(apiUrl), token });
    } else if (method === "client_credentials") {
      connectM365.mutate({
        name,
        tenant,
        client_id: clientId,
        client_secret: clientSecret,
        api_url: empty(apiUrl),
        login_url: empty(loginUrl),
      });
    } else if (method === "device") {
      device.start.mutate(
        { name, org, api_url: empty(apiUrl), client_id: clientId, oauth_url: empty(loginUrl) },
        {
          onSuccess: (code) => {
            device.finish.mutate(code.flow_id);
          },
        },
      );
    } else {
      authorize.run({
        app,
        name,
        org: app === "github" ? org : null,
        tenant: app === "m365" ? tenant : null,
        client_id: clientId,
        client_secret: empty(clientSecret),
        api_url: empty(apiUrl),
        login_url: empty(loginUrl),
        instance_id: null,
      });
    }
  };

  const methods =
    app === "github"
      ? [
          { value: "token", label: "Token" },
          { value: "browser", label: "OAuth app (browser)" },
          { value: "device", label: "OAuth app (device code)" },
        ]
      : [
          { value: "client_credentials", label: "App registration (client credentials)" },
          { value: "browser", label: "Sign in as an administrator" },
        ];

  return (
    <Stack gap="sm" mt="md">
      <Field
        label="Instance name"
        description={app === "github" ? "Several instances are fine (one per organisation)" : "Several tenants are fine"}
        required
        value={name}
        set={setName}
        testid="wizard-name"
      />
      {app === "github" ? (
        <Field
          label="Organisation"
          description="Its login, as in github.com/ORG"
          required
          value={org}
          set={setOrg}
          testid="wizard-org"
        />
      ) : (
        <Field
          label="Tenant"
          description="The Directory (tenant) ID, or a verified domain such as contoso.onmicrosoft.com"
          required
          value={tenant}
          set={setTenant}
          testid="wizard-tenant"
          error={at("tenant")}
        />
      )}
      <Field
        label={app === "github" ? "API URL" : "Microsoft Graph URL"}
        description={
          app === "github"
            ? "Leave empty for github.com; https://HOST/api/v3 for GitHub Enterprise Server"
            : "Leave empty for the global cloud; a national cloud's Graph endpoint otherwise"
        }
        placeholder={app === "github" ? "https://api.github.com" : "https://graph.microsoft.com/v1.0"}
        value={apiUrl}
        set={setApiUrl}
        testid="wizard-api-url"
      />
      <SegmentedControl
        value={method}
        onChange={(v) => {
          setMethod(v as Method);
        }}
        data={methods}
        data-testid="wizard-method"
      />
      {method === "token" && <Field label="Token" required secret value={token} set={setToken} testid="wizard-token" />}
      {method !== "token" && (
        <Field
          label={app === "github" ? "OAuth app client id" : "Application (client) ID"}
          required
          value={clientId}
          set={setClientId}
          testid="wizard-client-id"
          error={at("client_id")}
        />
      )}
      {(method === "client_credentials" || (method === "browser" && app === "github")) && (
        <Field
          label={app === "github" ? "OAuth app client secret" : "Client secret value"}
          required
          secret
          value={clientSecret}
          set={setClientSecret}
          testid="wizard-client-secret"
          error={at("client_secret")}
        />
      )}
      {method !== "token" && (
        <Field
          label={app === "github" ? "OAuth URL" : "Sign-in URL"}
          description={
            app === "github"
              ? "Leave empty for github.com; https://HOST for GitHub Enterprise Server"
              : "Leave empty for login.microsoftonline.com"
          }
          placeholder={app === "github" ? "https://github.com" : "https://login.microsoftonline.com"}
          value={loginUrl}
          set={setLoginUrl}
          testid="wizard-oauth-url"
        />
      )}
      {method === "device" && device.start.data && device.finish.isPending && (
        <Alert color="blue" title="Approve on GitHub" data-testid="wizard-device">
          <Stack gap={6}>
            <Text size="sm">
              Open <Ext href={device.start.data.verification_uri}>{device.start.data.verification_uri}</Ext> as an
              organisation owner and enter this code:
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
      {method === "browser" && authorize.start.data && authorize.finish.isPending && (
        <BrowserWait url={authorize.start.data.authorize_url} onCancel={authorize.cancel} />
      )}
      {general && (
        <Alert color="red" role="alert" data-testid="wizard-error">
          <ErrorText
            message={general.message}
            detail={general instanceof IpcError ? general.detail : null}
            testid="wizard-error-text"
          />
        </Alert>
      )}
      {result && <Result result={result} />}
      <Group justify="space-between">
        <Button variant="default" onClick={onBack}>
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
        ) : (
          <Button loading={pending} disabled={!ready} onClick={go} data-testid="wizard-connect">
            {method === "device"
              ? "Get a code and authorize"
              : method === "browser"
                ? "Sign in in the browser"
                : "Connect and check permissions"}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

const appIcon: Record<string, ReactNode> = {
  github: <IconBrandGithub size={28} />,
  m365: <IconBrandOffice size={28} />,
};

const appBlurb: Record<string, string> = {
  github: "Enterprise Cloud, github.com organisations, Enterprise Server",
  m365: "Entra ID users and admins, audit and sign-in logs, OneDrive and SharePoint, OAuth apps",
};

function AppCard({ c, onPick }: { c: ConnectorView; onPick: () => void }) {
  return (
    <Card withBorder padding="md" style={{ cursor: "pointer" }} onClick={onPick} data-testid={`wizard-app-${c.id}`}>
      <Group justify="space-between">
        <Group gap="sm">
          {appIcon[c.id]}
          <div>
            <Text fw={600}>{c.name}</Text>
            <Text size="xs" c="dimmed">
              {appBlurb[c.id] ?? ""}
            </Text>
          </div>
        </Group>
        <Group gap={4}>
          {Object.entries(c.capabilities)
            .filter(([, v]) => v)
            .map(([k]) => (
              <Badge key={k} size="xs" variant="light">
                {k.replace("_", " ")}
              </Badge>
            ))}
        </Group>
      </Group>
    </Card>
  );
}

/** Connect an app: pick the app, read what to register on the vendor side, enter the details. */
export function ConnectWizard({ onClose, onConnected }: { onClose: () => void; onConnected: (i: InstanceView) => void }) {
  const connectors = useConnectors();
  const [step, setStep] = useState(0);
  const [app, setApp] = useState<"github" | "m365">("github");
  const vendor = app === "github" ? "GitHub" : "Microsoft Entra ID";

  return (
    <Modal opened onClose={onClose} title="Connect an app" size="xl">
      <Stepper active={step} size="sm">
        <Stepper.Step label="App">
          <Stack gap="sm" mt="md">
            {(connectors.data ?? [])
              .filter((c) => c.id === "github" || c.id === "m365")
              .map((c) => (
                <AppCard
                  key={c.id}
                  c={c}
                  onPick={() => {
                    setApp(c.id === "m365" ? "m365" : "github");
                    setStep(1);
                  }}
                />
              ))}
          </Stack>
        </Stepper.Step>
        <Stepper.Step label={`Register on ${vendor}`}>
          <Stack gap="md" mt="md">
            {app === "github" ? <GithubInstructions /> : <M365Instructions />}
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
                Next: connect
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Connect">
          <ConnectForm
            key={app}
            app={app}
            onBack={() => {
              setStep(1);
            }}
            onConnected={onConnected}
          />
        </Stepper.Step>
      </Stepper>
    </Modal>
  );
}
