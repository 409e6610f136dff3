"""Content pages of the public portal (R10.1): exemplars (诚信典型), warning cases (失信案例) and
policy documents (政策文件), written in Markdown by operators, each change an append-only
revision (the future change feed) and an audit entry."""
