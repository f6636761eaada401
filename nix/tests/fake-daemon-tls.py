# The stand-in daemon with the operator's certificate (tls.mode: provided): HTTPS on 443 with the
# certificate file and the private key credential that nix/modules/bowtie-server.nix hands the
# daemon (BOWTIE_TLS_CERT_FILE, BOWTIE_TLS_KEY_FILE = its credentials directory).
import http.server
import os
import ssl

server = http.server.ThreadingHTTPServer(("0.0.0.0", 443), http.server.SimpleHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.environ["BOWTIE_TLS_CERT_FILE"], os.environ["BOWTIE_TLS_KEY_FILE"])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
