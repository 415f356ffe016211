// Tauri rejects a failed command with the plain {code, message} object, so the fakes throw that.
/* eslint-disable @typescript-eslint/only-throw-error */
import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Settings, Status, Theme } from "../../ipc";
import { metric } from "../../test/fixtures";
import { renderApp } from "../../test/render";

const status: Status = {
  version: "0.1.0",
  data_dir: "/home/analyst/.local/share/cloudwarden",
  database: { kind: "sqlite", path: "/home/analyst/.local/share/cloudwarden/cloudwarden.sqlite3", schema_version: 1 },
  keychain: { available: false, detail: "no usable keychain (no D-Bus session)" },
};

function backend(initial: Theme = "auto") {
  let settings: Settings = { theme: initial };
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "get_status":
        return status;
      case "get_settings":
        return settings;
      case "get_score_metric":
        return metric;
      case "set_score_metric":
        return (args as { metric: typeof metric }).metric;
      case "set_theme":
        settings = { theme: (args as { theme: Theme }).theme };
        return settings;
      case "list_audit_log":
        return [
          { at_ms: Date.UTC(2026, 11, 6, 9, 30), action: "reveal_user", subject: "anon-ip-0123456789abcdef", detail: "INC-42" },
          { at_ms: Date.UTC(2026, 11, 6, 9, 0), action: "anonymization_off", subject: "", detail: "new uploads store real user names and source addresses" },
        ];
      default:
        throw { code: "not_found", message: `unknown command ${cmd}` };
    }
  });
  return calls;
}

describe("Settings page", () => {
  it("edits and saves the score metric", async () => {
    const calls = backend();
    renderApp("/settings");
    const select = await screen.findByTestId("weight-factor-mfa_support");
    await userEvent.click(select);
    const listbox = await waitFor(() => {
      const el = document.getElementById(select.getAttribute("aria-controls") ?? "");
      expect(el).not.toBeNull();
      return el as HTMLElement;
    });
    await userEvent.click(within(listbox).getByRole("option", { name: "Low (1)", hidden: true }));
    await userEvent.click(screen.getByTestId("score-metric-save"));
    await waitFor(() => {
      const saved = calls.find((c) => c.cmd === "set_score_metric");
      expect(saved).toBeDefined();
      const sent = (saved?.args as { metric: typeof metric }).metric;
      expect(sent.factors.find((f) => f.id === "mfa_support")?.weight).toBe("low");
    });
  });

  it("shows the audit log: reveals with their reason, anonymization turned off", async () => {
    backend();
    renderApp("/settings");
    const log = await screen.findByTestId("audit-log");
    expect(log).toHaveTextContent("Pseudonym revealed");
    expect(log).toHaveTextContent("anon-ip-0123456789abcdef");
    expect(log).toHaveTextContent("INC-42");
    expect(log).toHaveTextContent("Anonymization turned off");
    expect(log).toHaveTextContent("2026-12-06");
  });

  it("shows what the engine reports", async () => {
    backend();
    renderApp("/settings");
    expect(await screen.findByTestId("settings-data-dir")).toHaveTextContent(status.data_dir);
    expect(screen.getByTestId("settings-database-path")).toHaveTextContent(status.database.path);
    expect(screen.getByTestId("settings-schema-version")).toHaveTextContent("1");
    expect(screen.getByTestId("settings-keychain-badge")).toHaveTextContent("unavailable");
    expect(screen.getByTestId("settings-keychain-detail")).toHaveTextContent("no usable keychain");
  });

  it("switches and stores the theme through the engine", async () => {
    const calls = backend("light");
    renderApp("/settings");
    await screen.findByTestId("settings-theme");
    await waitFor(() => {
      expect(document.documentElement).toHaveAttribute("data-mantine-color-scheme", "light");
    });
    await userEvent.click(screen.getByText("Dark"));
    await waitFor(() => {
      expect(document.documentElement).toHaveAttribute("data-mantine-color-scheme", "dark");
    });
    expect(calls).toContainEqual({ cmd: "set_theme", args: { theme: "dark" } });
  });

  it("shows the engine's error with a retry", async () => {
    mockIPC((cmd) => {
      if (cmd === "get_status") throw { code: "internal", message: "database error: disk I/O error" };
      if (cmd === "get_score_metric") return metric;
      return { theme: "auto" };
    });
    renderApp("/settings");
    expect(await screen.findByRole("alert", {}, { timeout: 4000 })).toHaveTextContent("disk I/O error");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
