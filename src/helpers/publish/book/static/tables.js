// Makes each table.dataset-table of the page sortable and filterable with DataTables (from
// itables' offline bundle, _static/dt_bundle_source.js). The bundle is an ES module, which
// browsers do not load from file://: it is imported from a blob URL of its text instead.
(function () {
  "use strict";
  function start() {
    var tables = document.querySelectorAll("table.dataset-table");
    if (!tables.length || !window.dtForItablesSource) return;
    var blob = new Blob([window.dtForItablesSource], { type: "text/javascript" });
    var url = URL.createObjectURL(blob);
    import(url).then(function (bundle) {
      URL.revokeObjectURL(url);
      tables.forEach(function (table) {
        new bundle.ITable(table, {
          pageLength: 25,
          lengthMenu: [10, 25, 100, 500],
          order: [],
          autoWidth: false,
          columnControl: ["order", ["search"]],
          language: { search: "Filter all columns:" },
        });
      });
      document.documentElement.dataset.tablesReady = "yes";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
