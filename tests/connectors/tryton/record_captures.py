"""Record real trytond 8.2 JSON-RPC answers for the connector's MockTransport tests.

Run against a throwaway trytond serving database ``explore`` on 127.0.0.1:8765 whose admin
password is ``admin`` and which holds a sale 3 and a party 3 (any seeded database will do), then
replace the session token and copy the file into ``captures/``. Not a test.
"""
import json, base64, httpx
BASE = 'http://127.0.0.1:8765'
c = httpx.Client()
out = {}
def post(name, path, method, params, headers=None):
    r = c.post(BASE + path, json={'id': 1, 'method': method, 'params': params}, headers=headers or {})
    out[name] = {'request': {'path': path, 'method': method}, 'status': r.status_code,
                 'content_type': r.headers.get('content-type'), 'body': r.text}
    return r
post('server_version', '/rpc/', 'common.server.version', [])
r = post('login', '/explore/rpc/', 'common.db.login', ['admin', {'password': 'admin'}, 'en'])
uid, token, _ = r.json()['result']
H = {'Authorization': 'Session ' + base64.b64encode(f'admin:{uid}:{token}'.encode()).decode()}
post('login_wrong_password', '/explore/rpc/', 'common.db.login', ['admin', {'password': 'nope'}, 'en'])
post('login_unknown_database', '/nosuchdb/rpc/', 'common.db.login', ['admin', {'password': 'admin'}, 'en'])
post('session_expired', '/explore/rpc/', 'model.sale.sale.search_read',
     [[], 0, 1, None, ['number'], {}], {'Authorization': 'Session ' + base64.b64encode(b'admin:1:0000').decode()})
ctx = post('preferences', '/explore/rpc/', 'model.res.user.get_preferences', [True, {}], H).json()['result']
ctx['language'] = 'en'
post('search_read_sales', '/explore/rpc/', 'model.sale.sale.search_read',
     [[('id', '=', 3)], 0, None, [['id', 'ASC']], ['number', 'state', 'untaxed_amount', 'total_amount'], ctx], H)
post('user_error_missing_record', '/explore/rpc/', 'model.sale.sale.write', [[999], {'reference': 'x'}, ctx], H)
post('server_error_unknown_model', '/explore/rpc/', 'model.product.nonexistent.search_read', [[], 0, None, None, ['name'], ctx], H)
post('server_error_unknown_field', '/explore/rpc/', 'model.product.product.search_read', [[], 0, 1, None, ['nofield'], ctx], H)
post('method_not_exposed', '/explore/rpc/', 'model.sale.sale._process_invoice', [[3], ctx], H)
post('concurrency', '/explore/rpc/', 'model.party.party.write',
     [[3], {'name': 'Jeanne Martin'}, {**ctx, '_timestamp': {'party.party,3': '1'}}], H)
post('on_change_sale_line', '/explore/rpc/', 'model.sale.line.on_change',
     [{'type': 'line', 'product': 1, 'quantity': 1.0, 'unit': None, 'taxes': [], 'unit_price': None, 'sale': -1,
       '_parent_sale.party': 3, '_parent_sale.invoice_party': None, '_parent_sale.currency': 1,
       '_parent_sale.company': 1, '_parent_sale.sale_date': None}, ['product'], ctx], H)
# a user without groups
uids = c.post(BASE + '/explore/rpc/', json={'id': 1, 'method': 'model.res.user.search', 'params': [[('login', '=', 'clerk')], 0, None, None, ctx]}, headers=H).json()['result']
if not uids:
    print(c.post(BASE + '/explore/rpc/', json={'id': 1, 'method': 'model.res.user.create', 'params': [[{'login': 'clerk', 'name': 'Clerk', 'password': 'clerk-password-2026', 'groups': [], 'companies': [['add', [1]]], 'company': 1}], ctx]}, headers=H).text)
r = c.post(BASE + '/explore/rpc/', json={'id': 1, 'method': 'common.db.login', 'params': ['clerk', {'password': 'clerk-password-2026'}, 'en']})
cuid, ctoken, _ = r.json()['result']
CH = {'Authorization': 'Session ' + base64.b64encode(f'clerk:{cuid}:{ctoken}'.encode()).decode()}
post('access_denied', '/explore/rpc/', 'model.sale.sale.create', [[{'party': 3}], {'company': 1, 'language': 'en'}], CH)
post('get_access_clerk', '/explore/rpc/', 'model.ir.model.access.get_access', [['sale.sale', 'product.product'], {'company': 1, 'language': 'en'}], CH)
json.dump(out, open('/tmp/trytond-8.2-jsonrpc.json', 'w'), indent=1, ensure_ascii=False)
for k, v in out.items(): print(k, v['status'], v['body'][:300].replace('\n', ' '))
