"use strict";
// chatd console: the live list of a channel's messages. The page's list
// holds the newest messages; the server sends each new one as an event
// whose data is its row, and the row goes at the top. When the channel
// goes or is reset, the server says "reload".
for (const list of document.querySelectorAll("ol[data-live]")) {
  const source = new EventSource(list.dataset.live + "?after=" + encodeURIComponent(list.dataset.after));
  source.addEventListener("message", (event) => {
    list.insertAdjacentHTML("afterbegin", event.data);
    list.dataset.after = event.lastEventId;
    document.getElementById("no-messages")?.remove();
  });
  source.addEventListener("reload", () => {
    source.close();
    location.reload();
  });
}
