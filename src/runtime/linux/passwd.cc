#include "runtime/linux/passwd.h"

#include <cstdlib>
#include <vector>

#include "common/fs.h"

namespace inclavare::runtime {

std::optional<PasswdEntry> FindPasswdEntry(const std::string& path, uid_t uid) {
  auto text = fs::ReadFile(path);
  if (!text) return std::nullopt;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string_view line(text->data() + pos, end - pos);
    pos = end + 1;
    // name:password:uid:gid:gecos:home:shell
    std::vector<std::string_view> f;
    size_t a = 0;
    for (;;) {
      size_t b = line.find(':', a);
      f.push_back(line.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a));
      if (b == std::string_view::npos) break;
      a = b + 1;
    }
    if (f.size() < 7) continue;
    char* e = nullptr;
    std::string uid_text(f[2]);
    unsigned long u = strtoul(uid_text.c_str(), &e, 10);
    if (uid_text.empty() || *e || u != uid) continue;
    std::string gid_text(f[3]);
    return PasswdEntry{std::string(f[0]), uid, static_cast<gid_t>(strtoul(gid_text.c_str(), nullptr, 10)),
                       std::string(f[5])};
  }
  return std::nullopt;
}

}  // namespace inclavare::runtime
