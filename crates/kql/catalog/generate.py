#!/usr/bin/env python3
"""Regenerates crates/kql/catalog/catalog.json.

Inputs:
  --docs DIR   a checkout of MicrosoftDocs/azure-reference-other at DOCS_COMMIT (the Azure Monitor
               Logs table reference, azure-monitor-ref/tables/, before it moved repositories)
  asim_schemas.txt beside this script: the ASIM normalized schemas, transcribed from the
               Azure-Sentinel parsers named on each line (path and commit)
  sentinel_tables.txt beside this script: built-in tables the reference snapshot lacks,
               transcribed from Azure-Sentinel's KQL validation table schemas or, for tables
               without one, from its Solutions Analyzer's dump of the table reference
               (la_table_schemas.csv); path and commit on each line
Tables: every table the reference files under the Security category or the Security /
SecurityInsights solutions, plus EXTRA_TABLES; columns in the reference's order, with its types.
"""
import json, os, re, sys, glob

DOCS_COMMIT = 'bea53845fef94ad4f1887d306e6618a34efefc01'
DOCS_REPO = 'MicrosoftDocs/azure-reference-other'
VERSION = '2026.12.1'
EXTRA_TABLES = ['SecurityAlert', 'Heartbeat', 'Event', 'IdentityInfo', 'SecurityNestedRecommendation',
    'AzureDiagnostics', 'W3CIISLog', 'Usage', 'LAQueryLogs', 'Operation', 'StorageBlobLogs',
    'AzureMetrics', 'ContainerLog', 'Perf', 'ThreatIntelIndicators', 'ThreatIntelObjects',
    'ASimAuditEventLogs', 'ASimAuthenticationEventLogs', 'ASimDhcpEventLogs', 'ASimDnsActivityLogs',
    'ASimFileEventLogs', 'ASimNetworkSessionLogs', 'ASimProcessEventLogs', 'ASimRegistryEventLogs',
    'ASimUserManagementActivityLogs', 'ASimWebSessionLogs']
ABBREV = {'s': 'string', 'dt': 'datetime', 'i': 'int', 'l': 'long', 'r': 'real', 'd': 'dynamic',
          'b': 'bool', 'g': 'guid', 'ts': 'timespan'}
KUSTO = {'string', 'datetime', 'int', 'long', 'real', 'dynamic', 'bool', 'guid', 'timespan', 'decimal'}

def main():
    docs = sys.argv[sys.argv.index('--docs') + 1]
    here = os.path.dirname(os.path.abspath(__file__))
    tdir = os.path.join(docs, 'azure-monitor-ref', 'tables')
    selected = {}
    for f in sorted(glob.glob(os.path.join(tdir, '*.md'))):
        t = open(f, encoding='utf-8').read()
        m = re.search(r'^# (\S+)', t, re.M)
        if not m:
            continue
        name = m.group(1)
        cats = (re.search(r'\*\*Categories\*\*\|([^|\n]*)', t) or [None, ''])[1]
        sols = (re.search(r'\*\*Solutions\*\*\|([^|\n]*)', t) or [None, ''])[1]
        if 'Security' in cats or 'SecurityInsights' in sols or 'Security' in sols.split(', ') or name in EXTRA_TABLES:
            selected[name] = os.path.join(tdir, 'includes', name.lower() + '-include.md')
    for name in EXTRA_TABLES:
        # tables with an include but no page of their own in this snapshot (the ASim*Logs tables)
        selected.setdefault(name, os.path.join(tdir, 'includes', name.lower() + '-include.md'))
    tables = []
    for name in sorted(selected, key=str.lower):
        path = selected[name]
        if not os.path.exists(path):
            continue
        text = open(path, encoding='utf-8').read()
        date = re.search(r'ms\.date:\s*(\d+)/(\d+)/(\d+)', text)
        retrieved = f'{date.group(3)}-{int(date.group(1)):02d}-{int(date.group(2)):02d}'
        cols = []
        for m in re.finditer(r'^\| *([A-Za-z_][A-Za-z0-9_]*) *\| *([A-Za-z]+) *\|', text, re.M):
            col, ty = m.group(1), m.group(2).lower()
            if col == 'Column':
                continue
            if ty == 'boolean':
                ty = 'bool'
            assert ty in KUSTO, (name, col, ty)
            cols.append([col, ty])
        rel = os.path.relpath(path, docs).replace(os.sep, '/')
        tables.append({'name': name, 'source': f'{DOCS_REPO}@{DOCS_COMMIT}:{rel}',
                       'retrieved': retrieved, 'columns': cols})
    for line in open(os.path.join(here, 'sentinel_tables.txt'), encoding='utf-8'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        name, path, commit, retrieved, cols = line.split('|')
        assert name not in {t['name'] for t in tables}, name
        cols = [[c.split(':')[0], ABBREV[c.split(':')[1]]] for c in cols.split(',')]
        tables.append({'name': name, 'source': f'Azure/Azure-Sentinel@{commit}:{path}',
                       'retrieved': retrieved, 'columns': cols})
    tables.sort(key=lambda t: t['name'].lower())
    by_name = {t['name']: t for t in tables}
    schemas = []
    for line in open(os.path.join(here, 'asim_schemas.txt'), encoding='utf-8'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        name, path, commit, cols = line.split('|')
        cols = [[c.split(':')[0], ABBREV[c.split(':')[1]]] for c in cols.split(',')]
        source = f'Azure/Azure-Sentinel@{commit}:{path}'
        if name == 'ASimAuthentication':
            # the empty parser predates many fields: add the normalized table's columns
            have = {c[0] for c in cols}
            extra = [c for c in by_name['ASimAuthenticationEventLogs']['columns'] if c[0] not in have]
            cols = cols + extra
            source += ' + ' + by_name['ASimAuthenticationEventLogs']['source']
        schemas.append({'name': name, 'source': source, 'retrieved': '2026-11-01', 'columns': cols})
    have_schema = {s['name'] for s in schemas}
    for schema, table in [('ASimProcessEvent', 'ASimProcessEventLogs'), ('ASimFileEvent', 'ASimFileEventLogs'),
                          ('ASimRegistryEvent', 'ASimRegistryEventLogs'), ('ASimAuditEvent', 'ASimAuditEventLogs'),
                          ('ASimUserManagement', 'ASimUserManagementActivityLogs'), ('ASimDhcpEvent', 'ASimDhcpEventLogs')]:
        if schema not in have_schema:
            t = by_name[table]
            schemas.append({'name': schema, 'source': t['source'], 'retrieved': t['retrieved'], 'columns': t['columns']})
    functions = []
    asim_params = {
        'Dns': ("(starttime:datetime=datetime(null), endtime:datetime=datetime(null), srcipaddr:string='*', domain_has_any:dynamic=dynamic([]), responsecodename:string='*', response_has_ipv4:string='*', response_has_any_prefix:dynamic=dynamic([]), eventtype:string='lookup', pack:bool=false)", 'Parsers/ASimDns/Parsers/imDns.yaml@0a8680b7f84561808b2d22c9b5342ca57352388d'),
        'NetworkSession': ("(starttime:datetime=datetime(null), endtime:datetime=datetime(null), srcipaddr_has_any_prefix:dynamic=dynamic([]), dstipaddr_has_any_prefix:dynamic=dynamic([]), ipaddr_has_any_prefix:dynamic=dynamic([]), dstportnumber:int=int(null), hostname_has_any:dynamic=dynamic([]), dvcaction:dynamic=dynamic([]), eventresult:string='*')", 'Parsers/ASimNetworkSession/Parsers/imNetworkSession.yaml@00316bcff7e615e02b0e24bb4ba0d84000a3622a'),
        'WebSession': ("(starttime:datetime=datetime(null), endtime:datetime=datetime(null), srcipaddr_has_any_prefix:dynamic=dynamic([]), ipaddr_has_any_prefix:dynamic=dynamic([]), url_has_any:dynamic=dynamic([]), httpuseragent_has_any:dynamic=dynamic([]), eventresultdetails_in:dynamic=dynamic([]), eventresult:string='*', eventresultdetails_has_any:dynamic=dynamic([]), disabled:bool=false)", 'Parsers/ASimWebSession/Parsers/imWebSession.yaml@05246ae0b150fcab786e3dde5d3c4d63ee997d7d'),
        'Authentication': ("(starttime:datetime=datetime(null), endtime:datetime=datetime(null), username_has_any:dynamic=dynamic([]), targetappname_has_any:dynamic=dynamic([]), srcipaddr_has_any_prefix:dynamic=dynamic([]), srchostname_has_any:dynamic=dynamic([]), eventtype_in:dynamic=dynamic([]), eventresultdetails_in:dynamic=dynamic([]), eventresult:string='*', pack:bool=false)", 'Parsers/ASimAuthentication/Parsers/imAuthentication.yaml@02c3862a5fb48da4bc612a90086173b60192b212'),
    }
    generic = ("(starttime:datetime=datetime(null), endtime:datetime=datetime(null))", 'ASIM filtering parsers: only the time-range parameters common to all are declared')
    for s in ['Dns', 'NetworkSession', 'WebSession', 'Authentication', 'ProcessEvent', 'FileEvent', 'RegistryEvent', 'AuditEvent', 'UserManagement', 'DhcpEvent']:
        params, src = asim_params.get(s, generic)
        names = [f'_Im_{s}', f'im{s}']
        if s == 'ProcessEvent':
            names += ['_Im_ProcessCreate', 'imProcessCreate', '_Im_ProcessTerminate', 'imProcessTerminate']
        for n in names:
            functions.append({'name': n, 'parameters': params, 'schema': f'ASim{s}', 'source': src})
        for n in [f'_ASim_{s}', f'ASim{s}']:
            functions.append({'name': n, 'parameters': '(pack:bool=false)', 'schema': f'ASim{s}', 'source': 'ASIM source-agnostic (non-filtering) parser: the pack parameter'})
    functions.append({'name': '_GetWatchlist', 'parameters': '(watchlistAlias:string)', 'schema': 'Watchlist',
        'body': "datatable(_DTItemId:string, LastUpdatedTimeUTC:datetime, SearchKey:string, WatchlistItem:dynamic)[] | extend __WatchlistColumns = WatchlistItem | evaluate bag_unpack(__WatchlistColumns)",
        'source': 'Microsoft Sentinel docs, "Build queries or detection rules with watchlists": _DTItemId, LastUpdatedTimeUTC, SearchKey, WatchlistItem and the watchlist\'s own columns (open)'})
    out = {'version': VERSION, 'tables': tables, 'schemas': schemas, 'functions': functions}
    with open(os.path.join(here, 'catalog.json'), 'w', encoding='utf-8') as f:
        f.write('{\n  "version": ' + json.dumps(VERSION) + ',\n  "tables": [\n')
        f.write(',\n'.join('    ' + json.dumps(t, ensure_ascii=False) for t in tables))
        f.write('\n  ],\n  "schemas": [\n')
        f.write(',\n'.join('    ' + json.dumps(s, ensure_ascii=False) for s in schemas))
        f.write('\n  ],\n  "functions": [\n')
        f.write(',\n'.join('    ' + json.dumps(fn, ensure_ascii=False) for fn in functions))
        f.write('\n  ]\n}\n')
    print(len(tables), 'tables,', len(schemas), 'schemas,', len(functions), 'functions')

main()
