// `runnel token create|list|revoke`: the bearer tokens of the workspace's server.
#include <iostream>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/ids.h"
#include "server/tokens.h"

namespace runnel::cli {

void register_token(CLI::App& app, CliGlobals& g) {
  CLI::App* token =
      app.add_subcommand("token", "tokens for `runnel serve` (admin, or read-only for viewers)");
  token->require_subcommand(1);
  struct Args {
    std::string name, scope = "admin";
  };
  auto a = std::make_shared<Args>();
  CLI::App* create =
      token->add_subcommand("create", "create a token and print its secret (shown only once)");
  create->add_option("name", a->name, "token name")->required();
  create->add_option("--scope", a->scope, "admin (everything) or read (GET only)")
      ->check(CLI::IsMember({"admin", "read"}));
  create->callback([a, &g] {
    Workspace ws = open_workspace(g);
    server::TokenStore store(ws.runnel_dir());
    std::string secret = store.create(a->name, server::parse_scope(a->scope));
    std::cerr << "token '" << a->name << "' (" << a->scope
              << ") created; the secret below is shown only once:\n";
    std::cout << secret << "\n";
  });
  CLI::App* list = token->add_subcommand("list", "list tokens (names and scopes; never secrets)");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    server::TokenStore store(ws.runnel_dir());
    Table t({"NAME", "SCOPE", "CREATED"});
    for (const auto& tok : store.list())
      t.add({tok.name, server::scope_name(tok.scope), format_time(tok.created_at)});
    t.print();
  });
  auto rname = std::make_shared<std::string>();
  CLI::App* revoke = token->add_subcommand("revoke", "revoke a token (takes effect at once)");
  revoke->add_option("name", *rname, "token name")->required();
  revoke->callback([rname, &g] {
    Workspace ws = open_workspace(g);
    server::TokenStore(ws.runnel_dir()).revoke(*rname);
    std::cout << "token '" << *rname << "' revoked\n";
  });
}

}  // namespace runnel::cli
