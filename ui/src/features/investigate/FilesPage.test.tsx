import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { FileFilter, FileRow } from "../../ipc";
import { renderApp } from "../../test/render";

function file(n: number, sharing: FileRow["sharing"]): FileRow {
  return {
    instance_id: "m365_1",
    instance_name: "Contoso",
    app: "m365",
    external_id: `f${String(n)}`,
    name: `Shared Documents/Plan ${String(n)}.docx`,
    url: `https://contoso.sharepoint.com/Shared%20Documents/Plan%20${String(n)}.docx`,
    owner: "adele@contoso.com",
    sharing,
    modified_at_ms: 1_790_000_000_000 - n * 86_400_000,
    collaborators: sharing === "external" ? 1 : 0,
    external_collaborators: sharing === "external" ? 1 : 0,
    domains: sharing === "external" ? ["fabrikam.com"] : [],
  };
}
const files = [file(1, "public"), file(2, "external"), file(3, "private")];

function backend(filters: FileFilter[]) {
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "list_files": {
        const f = (args as { filter: FileFilter }).filter;
        filters.push(f);
        return { items: files.filter((x) => (f.sharing ? x.sharing === f.sharing : true)), next_cursor: null };
      }
      case "get_file": {
        const a = args as { externalId: string };
        const row = files.find((x) => x.external_id === a.externalId);
        return {
          row,
          collaborators: row?.sharing === "external" ? [{ account: "bob@fabrikam.com", permission: "write", external: true, domain: "fabrikam.com" }] : [],
          raw: JSON.stringify({ id: a.externalId, shared: { scope: "users" } }),
        };
      }
      case "get_settings":
        return { theme: "light" };
      default:
        return null;
    }
  });
}

describe("Files page", () => {
  it("filters by sharing in the engine and opens a file with its collaborators and activities", async () => {
    const filters: FileFilter[] = [];
    backend(filters);
    renderApp("/files");
    await waitFor(() => {
      expect(screen.getAllByTestId("file-row")).toHaveLength(3);
    });
    const input = screen.getByTestId("files-sharing");
    await userEvent.click(input);
    const listbox = await waitFor(() => {
      const el = document.getElementById(input.getAttribute("aria-controls") ?? "");
      expect(el).not.toBeNull();
      return el as HTMLElement;
    });
    await userEvent.click(within(listbox).getByRole("option", { name: "External people", hidden: true }));
    await waitFor(() => {
      expect(screen.getAllByTestId("file-row")).toHaveLength(1);
    });
    expect(filters.at(-1)?.sharing).toBe("external");
    await userEvent.click(screen.getByText("Shared Documents/Plan 2.docx"));
    const people = await screen.findByTestId("file-collaborators");
    expect(people).toHaveTextContent("bob@fabrikam.com");
    expect(people).toHaveTextContent("external");
    expect(screen.getByTestId("file-activities").getAttribute("href")).toContain("object=https%3A%2F%2Fcontoso.sharepoint.com");
    expect(await screen.findByTestId("file-raw")).toHaveTextContent("users");
  });

  it("says what to do before anything is connected", async () => {
    mockIPC((cmd) => (cmd === "list_files" ? { items: [], next_cursor: null } : cmd === "get_settings" ? { theme: "light" } : null));
    renderApp("/files");
    expect(await screen.findByTestId("files-empty")).toHaveTextContent("connect an app");
  });
});
