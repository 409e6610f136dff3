"""The console of assessments and tasks (考核与任务, R11): the provincial office's assessments of
departments and cities (``assessments``) and the tasks it tracks with their units (``tasks``).
One set of pages for operators and departments alike: what each sees is the services' scope."""
