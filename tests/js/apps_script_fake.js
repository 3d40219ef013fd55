// A small fake of the Apps Script services link-forms.gs uses, behaving as Apps Script documents:
//   FormApp.openById, Form.getId/getDestinationId/setDestination/getPublishedUrl,
//   SpreadsheetApp.create/openById/flush, Spreadsheet.getId/getUrl/getSheets/deleteSheet,
//   Sheet.getName/setName/getFormUrl/getLastRow, Logger.log, PropertiesService.getScriptProperties.
// Only these exist: calling anything else fails as it would on Google ("... is not a function").
//
//   node apps_script_fake.js SCRIPT WORLD.json [FUNCTION]
// runs FUNCTION (default linkAllForms) of SCRIPT against the world in WORLD.json (forms,
// spreadsheets, script properties, the locale new spreadsheets get, the cost in ms of each
// service call) and writes the world back. Prints {"logs": [...], "killed": bool, "error": ...}.
// The clock starts at 0 each run and moves only by service-call costs; past 6 minutes every
// service call throws, as Apps Script stops a script at its execution limit.
'use strict';
const fs = require('fs');
const vm = require('vm');

const LIMIT_MS = 6 * 60 * 1000;
const [scriptPath, worldPath, fnName = 'linkAllForms'] = process.argv.slice(2);
const world = JSON.parse(fs.readFileSync(worldPath, 'utf8'));
world.spreadsheets = world.spreadsheets || {};
world.properties = world.properties || {};
world.calls = world.calls || {};
let clock = 0;
const logs = [];

class Killed extends Error {}

function call(name) {
  clock += (world.costs && world.costs[name]) || world.cost || 0;
  if (clock > LIMIT_MS) throw new Killed('Exceeded maximum execution time');
  world.calls[name] = (world.calls[name] || 0) + 1;  // calls that were carried out
}

let counter = Object.keys(world.spreadsheets).length;
function newId(prefix) { counter += 1; return prefix + counter + 'x'.repeat(30); }

function tabStem(ss) { return ss.locale.startsWith('vi') ? 'Câu trả lời biểu mẫu ' : 'Form Responses '; }
function defaultStem(ss) { return ss.locale.startsWith('vi') ? 'Trang tính' : 'Sheet'; }
function nextName(ss, stem) {
  for (let n = 1; ; n++) if (!ss.tabs.some((t) => t.name === stem + n)) return stem + n;
}

function makeSheet(ss, tab) {
  return {
    getName() { call('Sheet.getName'); return tab.name; },
    setName(name) {
      call('Sheet.setName');
      if (ss.tabs.some((t) => t !== tab && t.name === name)) {
        throw new Error('A sheet with the name "' + name + '" already exists. Please enter another name.');
      }
      tab.name = name;
      return this;
    },
    getFormUrl() {
      call('Sheet.getFormUrl');
      return tab.formId ? 'https://docs.google.com/forms/d/' + tab.formId + '/viewform' : null;
    },
    getLastRow() { call('Sheet.getLastRow'); return tab.rows; },
    getSheetId() { call('Sheet.getSheetId'); return tab.sheetId; },
    _tab: tab,
  };
}

function makeSpreadsheet(ss) {
  return {
    getId() { call('Spreadsheet.getId'); return ss.id; },
    getUrl() { call('Spreadsheet.getUrl'); return 'https://docs.google.com/spreadsheets/d/' + ss.id + '/edit'; },
    getName() { call('Spreadsheet.getName'); return ss.name; },
    getSheets() { call('Spreadsheet.getSheets'); return ss.tabs.map((t) => makeSheet(ss, t)); },
    getSheetByName(name) {
      call('Spreadsheet.getSheetByName');
      const tab = ss.tabs.find((t) => t.name === name);
      return tab ? makeSheet(ss, tab) : null;
    },
    deleteSheet(sheet) {
      call('Spreadsheet.deleteSheet');
      if (ss.tabs.length === 1) throw new Error("You can't remove all the sheets in a document.");
      ss.tabs = ss.tabs.filter((t) => t !== sheet._tab);
    },
    getSpreadsheetLocale() { call('Spreadsheet.getSpreadsheetLocale'); return ss.locale; },
  };
}

function makeForm(form) {
  return {
    getId() { call('Form.getId'); return form.id; },
    getPublishedUrl() {
      call('Form.getPublishedUrl');
      return 'https://docs.google.com/forms/d/e/' + form.publishedId + '/viewform';
    },
    getEditUrl() { call('Form.getEditUrl'); return 'https://docs.google.com/forms/d/' + form.id + '/edit'; },
    getDestinationId() {
      call('Form.getDestinationId');
      if (!form.destination) throw new Error('This form does not currently have a response destination.');
      return form.destination;
    },
    getDestinationType() {
      call('Form.getDestinationType');
      if (!form.destination) throw new Error('This form does not currently have a response destination.');
      return 'SPREADSHEET';
    },
    // Every call adds a NEW tab at the front, named by the spreadsheet's locale, and copies in
    // the answers so far; the tab the form fed before stays with its rows, no longer linked.
    setDestination(type, id) {
      call('Form.setDestination');
      if (type !== 'SPREADSHEET') throw new Error('Invalid argument: type');
      const ss = world.spreadsheets[id];
      if (!ss) throw new Error('Unexpected error while getting the method or property setDestination');
      for (const other of Object.values(world.spreadsheets)) {
        for (const t of other.tabs) if (t.formId === form.id) t.formId = null;
      }
      ss.tabs.unshift({ name: nextName(ss, tabStem(ss)), formId: form.id, rows: 1 + (form.responses || 0),
                        sheetId: Math.floor(Math.random() * 1e9) });
      form.destination = id;
      return this;
    },
    removeDestination() {
      call('Form.removeDestination');
      for (const t of (world.spreadsheets[form.destination] || { tabs: [] }).tabs) if (t.formId === form.id) t.formId = null;
      form.destination = null;
      return this;
    },
  };
}

const context = {
  Logger: { log(message) { logs.push(String(message)); } },
  FormApp: {
    DestinationType: { SPREADSHEET: 'SPREADSHEET' },
    openById(id) {
      call('FormApp.openById');
      const form = world.forms[id];
      if (!form) throw new Error('No item with the given ID could be found, or you do not have permission to access it.');
      return makeForm(form);
    },
  },
  SpreadsheetApp: {
    create(name) {
      call('SpreadsheetApp.create');
      const ss = { id: newId('ss'), name, locale: world.locale || 'en_US', tabs: [] };
      ss.tabs.push({ name: defaultStem(ss) + '1', formId: null, rows: 0, sheetId: 0 });
      world.spreadsheets[ss.id] = ss;
      return makeSpreadsheet(ss);
    },
    openById(id) {
      call('SpreadsheetApp.openById');
      const ss = world.spreadsheets[id];
      if (!ss) throw new Error('Unexpected error while getting the method or property openById on object SpreadsheetApp.');
      return makeSpreadsheet(ss);
    },
    flush() { call('SpreadsheetApp.flush'); },
  },
  PropertiesService: {
    getScriptProperties() {
      call('PropertiesService.getScriptProperties');
      return {
        getProperty(key) { call('Properties.getProperty'); return key in world.properties ? world.properties[key] : null; },
        setProperty(key, value) { call('Properties.setProperty'); world.properties[key] = String(value); return this; },
      };
    },
  },
  Date: class extends Date { static now() { return clock; } },
  JSON, Math, Object, Array, String, RegExp, Error, console,
};
vm.createContext(context);
let killed = false, error = null;
try {
  vm.runInContext(fs.readFileSync(scriptPath, 'utf8'), context, { filename: scriptPath });
  vm.runInContext(fnName + '()', context);
} catch (e) {
  if (!(e instanceof Killed)) error = String(e && e.stack || e);
}
killed = clock > LIMIT_MS;  // a script may catch the limit's error, but never outlives it
fs.writeFileSync(worldPath, JSON.stringify(world, null, 1));
process.stdout.write(JSON.stringify({ logs, killed, error, elapsedMs: clock }));
