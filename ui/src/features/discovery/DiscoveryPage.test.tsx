import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { DiscoveredApp, ReportView } from "../../ipc";
import { renderApp } from "../../test/render";
import { formatBytes, formatDuration, formatSpan } from "./format";

function app(id: string, name: string, score: number | null, tag: DiscoveredApp["tag"], bytes: number): DiscoveredApp {
  return {
    app_id: id,
    name,
    category: "cloud-storage",
    score,
    confidence: score === null ? "not_enough_data" : "high",
    transactions: 10,
    bytes_up: bytes,
    bytes_down: bytes,
    users: 2,
    ips: 1,
    blocked: 0,
    first_seen_ms: 1_700_000_000_000,
    last_seen_ms: 1_700_000_600_000,
    tag,
  };
}

const view: ReportView = {
  info: {
    report_id: "rpt_1",
    name: "Branch office",
    created_at_ms: 1_700_000_000_000,
    updated_at_ms: 1_700_000_000_000,
    uploads: 1,
    lines_total: 100,
    lines_skipped: 2,
    apps: 3,
    first_seen_ms: 1_700_000_000_000,
    last_seen_ms: 1_700_000_600_000,
  },
  summary: {
    apps: 3,
    unmatched_domains: 1,
    users: 7,
    ips: 9,
    transactions: 40,
    bytes_up: 3072,
    bytes_down: 3072,
    blocked: 0,
    risk: { high: 1, medium: 0, low: 1, unscored: 1 },
    tags: { sanctioned: 1, unsanctioned: 1, monitored: 0, untagged: 1 },
  },
  apps: [
    app("dropbox", "Dropbox", 8.9, "sanctioned", 2048),
    app("wetransfer", "WeTransfer", 3.1, "unsanctioned", 1024),
    app("box", "Box", null, null, 512),
  ],
  unmatched_domains: [
    {
      domain: "example.org",
      kind: "domain",
      shared: null,
      transactions: 10,
      bytes_up: 0,
      bytes_down: 0,
      users: 1,
      ips: 1,
      blocked: 0,
      first_seen_ms: 0,
      last_seen_ms: 0,
    },
  ],
  uploads: [],
};

function backend(reports: unknown[] = []) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "list_reports":
        return reports;
      case "list_log_formats":
        return [{ id: "squid", name: "Squid native", vendor: "Squid" }];
      case "get_report":
        return view;
      case "list_categories":
        return [{ id: "cloud-storage", name: "Cloud storage", apps: 60 }];
      case "get_settings":
        return { theme: "light" };
      case "get_block_list_plan":
        return {
          apps: 1,
          unverified_left_out: 3,
          domains: [
            { domain: "wetransfer.com", subdomains: true, app_id: "wetransfer", app_name: "WeTransfer", reason: "primary domain of WeTransfer: listed", excluded: null },
            { domain: "wetransfer.net", subdomains: true, app_id: "wetransfer", app_name: "WeTransfer", reason: "additional domain of WeTransfer: brand", excluded: null },
            { domain: "amazonaws.com", subdomains: true, app_id: "wetransfer", app_name: "WeTransfer", reason: "service domain of WeTransfer", excluded: "covers s3.amazonaws.com, Amazon S3 (object storage)" },
          ],
        };
      case "get_block_list": {
        const skip = (args as { skip: string[] }).skip;
        const hosts = ["wetransfer.com", "wetransfer.net"].filter((h) => !skip.includes(h));
        return { format: "plain", text: hosts.join("\n"), entries: hosts.length, apps: 1 };
      }
      default:
        return null;
    }
  });
  return calls;
}

describe("Cloud Discovery page", () => {
  it("says what to do when there is no report", async () => {
    backend();
    renderApp("/discovery");
    expect(await screen.findByTestId("discovery-empty")).toHaveTextContent("No reports yet");
    expect(screen.getByTestId("discovery-empty")).toHaveTextContent("reads 1 formats");
  });

  it("lists the reports", async () => {
    backend([view.info]);
    renderApp("/discovery");
    const list = await screen.findByTestId("report-list");
    expect(list).toHaveTextContent("Branch office");
    expect(list).toHaveTextContent("2 skipped");
  });

  it("shows a report's summary, filters its apps and tags one", async () => {
    const calls = backend();
    renderApp("/discovery/report/rpt_1");
    expect(await screen.findByTestId("report-name")).toHaveTextContent("Branch office");
    expect(screen.getByTestId("summary-users")).toHaveTextContent("7");
    expect(screen.getByTestId("summary-traffic")).toHaveTextContent("6.0 KB");
    expect(screen.getByTestId("apps-count")).toHaveTextContent("3 of 3 apps");
    // Sorted by traffic, biggest first.
    const names = within(screen.getByTestId("apps-table"))
      .getAllByTestId(/^app-open-/)
      .map((e) => e.textContent);
    expect(names).toEqual(["Dropbox", "WeTransfer", "Box"]);

    await userEvent.type(screen.getByTestId("apps-search"), "box");
    await waitFor(() => {
      expect(screen.getByTestId("apps-count")).toHaveTextContent("2 of 3 apps");
    });
    await userEvent.clear(screen.getByTestId("apps-search"));

    await userEvent.click(screen.getByTestId("tag-box"));
    await userEvent.click(await screen.findByTestId("tag-option-unsanctioned"));
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "set_app_tag")).toBe(true);
    });
    expect(calls.find((c) => c.cmd === "set_app_tag")?.args).toEqual({ appId: "box", tag: "unsanctioned" });
  });
});

describe("formatting", () => {
  it("shows why each domain is in the block list, keeps shared infrastructure out and leaves unticked domains out", async () => {
    const calls = backend();
    renderApp("/discovery/report/rpt_1");
    await userEvent.click(await screen.findByTestId("report-block-list"));
    await userEvent.click(await screen.findByTestId("block-list-plain"));
    const row = await screen.findByTestId("block-domain-wetransfer.net");
    expect(row).toHaveTextContent("additional domain of WeTransfer");
    const kept = screen.getByTestId("block-domain-amazonaws.com");
    expect(kept).toHaveTextContent("Kept out");
    expect(kept).toHaveTextContent("covers s3.amazonaws.com");
    expect(screen.queryByTestId("block-tick-amazonaws.com")).toBeNull();
    expect(screen.getByTestId("block-list-plan-summary")).toHaveTextContent("2 of 3 domains ticked");
    await waitFor(() => {
      expect(screen.getByTestId("block-list-text")).toHaveTextContent("wetransfer.net");
    });
    await userEvent.click(screen.getByTestId("block-tick-wetransfer.net"));
    await waitFor(() => {
      expect(screen.getByTestId("block-list-text")).not.toHaveTextContent("wetransfer.net");
    });
    expect(screen.getByTestId("block-list-plan-summary")).toHaveTextContent("1 of 3 domains ticked");
    expect(calls.filter((c) => c.cmd === "get_block_list").at(-1)?.args).toEqual({ format: "plain", skip: ["wetransfer.net"] });
  });

  it("formats sizes, durations and spans", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GB");
    expect(formatBytes(20 * 1024 ** 2)).toBe("20 MB");
    expect(formatDuration(400)).toBe("0.4 s");
    expect(formatDuration(65_000)).toBe("1 m 05 s");
    expect(formatSpan(0, 86_400_000)).toBe("1970-01-01 → 1970-01-02");
    expect(formatSpan(null, null)).toBe("—");
  });
});
