"""PostgreSQL: the database is the guard (per-person roles, row-level security, server audit)

Four group roles (`pcc_viewer`, `pcc_coordinator`, `pcc_supervisor`, `pcc_admin`); each
person logs in as their own role, a member of one of them (`pcc user add`). Row-level
security allows a patient's rows only to those the patient is open to (`pcc_sees`), audit
rows are written by the server (`pcc_audit_append`, and triggers on every care table), and
only the schema owner touches the trail directly. SQLite has no roles: nothing to do there.

The schema owner needs CREATEROLE (it creates the group roles, and person roles through
`pcc_create_login`). Roles are cluster-wide; this revision creates the groups if missing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("pcc_viewer", "pcc_coordinator", "pcc_supervisor", "pcc_admin")
PEOPLE = "pcc_viewer, pcc_coordinator, pcc_supervisor, pcc_admin"
WRITERS = "pcc_coordinator, pcc_supervisor, pcc_admin"
OPEN_STEPS = "'draft','requested','received','accepted','ready','in-progress','on-hold'"

# Tables holding one patient's data, and the column naming the patient.
BY_PATIENT = {
    "patient": "id",
    "contact": "patient_id",
    "care_team_member": "patient_id",
    "problem": "patient_id",
    "appointment": "patient_id",
    "care_plan": "patient_id",
    "plan_step": "patient_id",
    "referral": "patient_id",
    "coverage": "patient_id",
    "prior_authorization": "patient_id",
    "communication": "patient_id",
    "note": "patient_id",
    "education_given": "patient_id",
    "handoff": "patient_id",
    "snooze": "patient_id",
    "patient_name_token": "patient_id",
}
# Care tables people change (audited by trigger): table -> (id column, patient column).
AUDITED = {name: ("id", col) for name, col in BY_PATIENT.items() if name != "patient_name_token"}
AUDITED |= {
    "eligibility_check": ("id", "NULL::integer"),
    "practitioner": ("id", "NULL::integer"),
    "step_dependency": ("step_id", "NULL::integer"),
    "coordinator": ("id", "NULL::integer"),
    "access_grant": ("id", "patient_id"),
}
SHARED_READ = ("practitioner", "step_dependency", "name_token", "name_gram", "name_variant")
WRITABLE = (*BY_PATIENT, "eligibility_check", "practitioner", "step_dependency")
WRITABLE += ("name_token", "name_gram", "name_variant", "fhir_link")

FUNCTIONS = f"""
-- The session's login name. A function call, not the SESSION_USER keyword, because
-- PostgreSQL will not look up an index with the keyword (a seq scan of every account).
CREATE OR REPLACE FUNCTION pcc_login() RETURNS text
LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN session_user; END $$;

CREATE OR REPLACE FUNCTION pcc_is_person() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM pg_auth_members m
    JOIN pg_roles g ON g.oid = m.roleid
    JOIN pg_roles u ON u.oid = m.member
    WHERE u.rolname = session_user AND g.rolname IN ('{"','".join(GROUPS)}'))
$$;

CREATE OR REPLACE FUNCTION pcc_sees_all() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM coordinator c WHERE c.username = public.pcc_login()
                 AND c.active AND c.locked_at IS NULL AND c.role = 'supervisor')
$$;

-- The rule of store/queries/scope.py `in_scope`, in the database (the slow path of the
-- patient policy: open steps, offered handoffs and grants).
CREATE OR REPLACE FUNCTION pcc_sees(pid integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM coordinator me
    WHERE me.username = public.pcc_login() AND me.active AND me.locked_at IS NULL
      AND me.own_patient_id IS DISTINCT FROM pid
      AND (me.role = 'supervisor'
        OR EXISTS (SELECT 1 FROM patient p WHERE p.id = pid
                   AND (p.coordinator_id = me.id OR (me.ward IS NOT NULL AND p.ward = me.ward)))
        OR EXISTS (SELECT 1 FROM plan_step s WHERE s.patient_id = pid
                   AND s.status IN ({OPEN_STEPS})
                   AND (s.owner_id = me.id OR (me.pool IS NOT NULL AND s.owner_pool = me.pool)))
        OR EXISTS (SELECT 1 FROM handoff h WHERE h.patient_id = pid AND h.status = 'requested'
                   AND h.to_coordinator_id = me.id)
        OR EXISTS (SELECT 1 FROM access_grant g WHERE g.username = me.username
                   AND g.patient_id = pid AND g.expires_at > (now() AT TIME ZONE 'UTC'))))
$$;

-- Whether a patient exists at all (says nothing else): "break the glass", not "not found".
CREATE OR REPLACE FUNCTION pcc_patient_exists(pid integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM patient WHERE id = pid)
$$;

-- Access reviews (supervisors, admins) name a patient by MRN without opening the record.
CREATE OR REPLACE FUNCTION pcc_review_patient(p_mrn text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM patient WHERE mrn = p_mrn
    AND (pg_has_role(session_user, 'pcc_supervisor', 'member')
         OR pg_has_role(session_user, 'pcc_admin', 'member'))
$$;

-- Every audit row goes through here (or the change trigger): a person's rows carry their
-- login and the server's clock, whatever the client says; what they may say is checked.
CREATE OR REPLACE FUNCTION pcc_audit_append(
  p_actor text, p_at timestamptz, p_action text, p_outcome text, p_patient_id integer,
  p_entity_type text, p_entity_id integer, p_detail text, p_client text
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  person boolean := pcc_is_person();
  new_seq bigint;
BEGIN
  IF p_action IS NULL OR p_action !~ '^[a-z][a-z0-9_.-]{{0,63}}$' THEN
    RAISE EXCEPTION 'pcc: not an audit action' USING ERRCODE = '22023';
  END IF;
  IF p_outcome NOT IN ('0', '4', '8', '12') THEN
    RAISE EXCEPTION 'pcc: not an audit outcome' USING ERRCODE = '22023';
  END IF;
  IF person AND p_action LIKE 'db.%' THEN
    RAISE EXCEPTION 'pcc: db.* rows are written by the server' USING ERRCODE = '42501';
  END IF;
  IF jsonb_typeof(p_detail::jsonb) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'pcc: audit detail is a JSON object' USING ERRCODE = '22023';
  END IF;
  IF p_entity_type IS NOT NULL AND p_entity_type !~ '^[a-z_]{{1,40}}$' THEN
    RAISE EXCEPTION 'pcc: not an entity type' USING ERRCODE = '22023';
  END IF;
  INSERT INTO audit_event (recorded_at, actor, action, outcome, patient_id, entity_type,
                           entity_id, detail, client, db_user)
  VALUES (CASE WHEN person THEN clock_timestamp() ELSE coalesce(p_at, clock_timestamp()) END
            AT TIME ZONE 'UTC',
          CASE WHEN person THEN public.pcc_login() ELSE left(p_actor, 64) END,
          p_action, p_outcome, p_patient_id, p_entity_type, p_entity_id, p_detail,
          left(p_client, 200), session_user)
  RETURNING seq INTO new_seq;
  RETURN new_seq;
END
$$;

-- One row per statement that changed a care table, written by the server, so even a direct
-- psql UPDATE leaves a trace. Arguments: the id column and the patient column.
CREATE OR REPLACE FUNCTION pcc_audit_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
  ids integer[];
  patients integer[];
BEGIN
  -- The owner's bulk tools (demo seeding) opt out for their own transaction; a person cannot.
  IF current_setting('pcc.bulk', true) = 'on' AND NOT pcc_is_person() THEN
    RETURN NULL;
  END IF;
  EXECUTE format(
    'SELECT count(*), (array_agg(%1$s ORDER BY %1$s))[1:50],'
    ' (array_agg(DISTINCT %2$s) FILTER (WHERE %2$s IS NOT NULL))[1:50] FROM %3$I',
    TG_ARGV[0], TG_ARGV[1], CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END)
  INTO n, ids, patients;
  IF n = 0 THEN
    RETURN NULL;
  END IF;
  INSERT INTO audit_event (recorded_at, actor, action, outcome, patient_id, entity_type,
                           entity_id, detail, client, db_user)
  VALUES (clock_timestamp() AT TIME ZONE 'UTC', session_user, 'db.' || lower(TG_OP), '0',
          CASE WHEN cardinality(patients) = 1 THEN patients[1] END, TG_TABLE_NAME,
          CASE WHEN n = 1 THEN ids[1] END,
          jsonb_build_object('rows', n, 'ids', to_jsonb(ids),
                             'patients', coalesce(to_jsonb(patients), '[]'::jsonb))::text,
          left(coalesce(inet_client_addr()::text, 'local socket'), 200), session_user);
  RETURN NULL;
END
$$;

-- A person's break-the-glass grant starts now by the server's clock and lasts at most a day.
CREATE OR REPLACE FUNCTION pcc_grant_times() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF pcc_is_person() THEN
    NEW.expires_at := (now() AT TIME ZONE 'UTC')
      + least(greatest(NEW.expires_at - NEW.granted_at, interval '0'), interval '24 hours');
    NEW.granted_at := now() AT TIME ZONE 'UTC';
  END IF;
  RETURN NEW;
END
$$;

-- Nobody changes their own role, name or state; only admins manage accounts (grants).
CREATE OR REPLACE FUNCTION pcc_guard_coordinator() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF OLD.username = public.pcc_login() AND (NEW.role IS DISTINCT FROM OLD.role
      OR NEW.username IS DISTINCT FROM OLD.username OR NEW.active IS DISTINCT FROM OLD.active
      OR NEW.own_patient_id IS DISTINCT FROM OLD.own_patient_id) THEN
    RAISE EXCEPTION 'pcc: nobody changes their own account''s role or state'
      USING ERRCODE = '42501';
  END IF;
  IF NEW.username IS DISTINCT FROM OLD.username AND pcc_is_person() THEN
    RAISE EXCEPTION 'pcc: a user name is its database login: it does not change'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;

-- A person's own sign-in state: their secret hash (to check a PIN or an unlock here),
-- and the failed-attempt counter, claimed atomically before the check.
CREATE OR REPLACE FUNCTION pcc_my_secret(p_kind text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN p_kind = 'pin' THEN pin_hash ELSE password_hash END
  FROM coordinator WHERE username = public.pcc_login()
$$;

-- Claimed before the secret is checked, so parallel tries cannot outrun the count: each
-- try takes a slot (or is refused: locked, or too soon after the last failure).
CREATE OR REPLACE FUNCTION pcc_claim_attempt(p_user text, p_max integer, p_now timestamptz)
RETURNS TABLE (claimed integer, locked boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE coordinator c SET failed_logins = c.failed_logins + 1, last_failed_at = t.at,
    locked_at = CASE WHEN c.failed_logins + 1 >= p_max THEN t.at ELSE c.locked_at END
  FROM (SELECT (CASE WHEN pcc_is_person() THEN clock_timestamp()
                     ELSE coalesce(p_now, clock_timestamp()) END) AT TIME ZONE 'UTC' AS at,
               CASE WHEN pcc_is_person() THEN public.pcc_login() ELSE p_user END AS who) t
  WHERE c.username = t.who AND c.active AND c.locked_at IS NULL AND c.failed_logins < p_max
    AND (c.failed_logins = 0 OR c.last_failed_at IS NULL
         OR c.last_failed_at + make_interval(secs => least(power(2, c.failed_logins - 1), 300))
            <= t.at)
  RETURNING c.failed_logins, c.locked_at IS NOT NULL
$$;

-- The secret was right: the claimed slot and earlier failures are forgiven.
CREATE OR REPLACE FUNCTION pcc_attempt_right(p_user text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH done AS (
    UPDATE coordinator SET failed_logins = 0, locked_at = NULL, last_failed_at = NULL
    WHERE username = CASE WHEN pcc_is_person() THEN public.pcc_login() ELSE p_user END
      AND active
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM done)
$$;

-- What both account functions check first: an admin (or the owner) calls, and a password
-- comes only as a SCRAM verifier.
CREATE OR REPLACE FUNCTION pcc_admin_checks(p_verifier text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF pcc_is_person() AND NOT pg_has_role(session_user, 'pcc_admin', 'member') THEN
    RAISE EXCEPTION 'pcc: only admins manage accounts' USING ERRCODE = '42501';
  END IF;
  IF p_verifier IS NOT NULL AND p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
    RAISE EXCEPTION 'pcc: a password is given as a SCRAM verifier' USING ERRCODE = '22023';
  END IF;
END
$$;

-- Admins add people without holding CREATEROLE themselves: one login role per person, in
-- one pcc group, with a SCRAM verifier made on the client (the password never reaches SQL).
CREATE OR REPLACE FUNCTION pcc_create_login(p_name text, p_group text, p_verifier text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pcc_admin_checks(p_verifier);
  IF p_name !~ '^[a-z_][a-z0-9_]{{0,62}}$' OR p_name LIKE 'pg\\_%' OR p_name LIKE 'pcc\\_%' THEN
    RAISE EXCEPTION 'pcc: not a user name for a database login' USING ERRCODE = '22023';
  END IF;
  IF p_group NOT IN ('{"','".join(GROUPS)}') THEN
    RAISE EXCEPTION 'pcc: not a pcc group role' USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_name) THEN
    RAISE EXCEPTION 'pcc: a database role of that name exists already' USING ERRCODE = '42710';
  END IF;
  IF p_verifier IS NULL THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', p_name);
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L', p_name, p_verifier);
  END IF;
  EXECUTE format('ALTER ROLE %I INHERIT', p_name);
  EXECUTE format('GRANT %I TO %I', p_group, p_name);
END
$$;

CREATE OR REPLACE FUNCTION pcc_set_login(p_name text, p_verifier text, p_enabled boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pcc_admin_checks(p_verifier);
  IF NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 JOIN pg_roles u ON u.oid = m.member
                 WHERE u.rolname = p_name AND g.rolname IN ('{"','".join(GROUPS)}')) THEN
    RAISE EXCEPTION 'pcc: not a pcc login' USING ERRCODE = '22023';
  END IF;
  IF p_verifier IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_verifier);
  END IF;
  IF p_enabled IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I %s', p_name, CASE WHEN p_enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
  END IF;
END
$$;
"""


def _groups() -> list[str]:
    out = []
    for group in GROUPS:
        out.append(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
            f"'{group}') THEN CREATE ROLE {group} NOLOGIN; END IF; END $$"
        )
    # A supervisor has a coordinator's rights; everyone has a viewer's.
    out += [
        "GRANT pcc_viewer TO pcc_coordinator",
        "GRANT pcc_coordinator TO pcc_supervisor",
        "GRANT pcc_viewer TO pcc_admin",
    ]
    return out


def _grants(database: str) -> list[str]:
    out = [
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
        "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC",
        f'GRANT CONNECT ON DATABASE "{database}" TO {PEOPLE}',
        f"GRANT USAGE ON SCHEMA public TO {PEOPLE}",
        "GRANT SELECT ON alembic_version TO pcc_viewer",
        f"GRANT SELECT ON {', '.join(WRITABLE)}, change_log, presence, access_grant,"
        " audit_event, audit_block TO pcc_viewer",
        f"GRANT INSERT, UPDATE ON {', '.join(WRITABLE)} TO pcc_coordinator, pcc_admin",
        "GRANT DELETE ON patient_name_token, step_dependency TO pcc_coordinator, pcc_admin",
        f"GRANT INSERT ON change_log TO {PEOPLE}",
        f"GRANT INSERT, UPDATE, DELETE ON presence TO {PEOPLE}",
        "GRANT INSERT ON access_grant TO pcc_coordinator",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {PEOPLE}",
        # Accounts: everyone reads names and roles, never the secret hashes; admins write.
        "GRANT SELECT (id, username, display_name, role, pool, ward, active, os_user,"
        " failed_logins, last_failed_at, locked_at, own_patient_id, version, created_at,"
        f" created_by, updated_at, updated_by) ON coordinator TO {PEOPLE}",
        "GRANT SELECT, INSERT, UPDATE ON coordinator TO pcc_admin",
    ]
    for fn in (
        "pcc_login()",
        "pcc_is_person()",
        "pcc_sees_all()",
        "pcc_sees(integer)",
        "pcc_patient_exists(integer)",
        "pcc_review_patient(text)",
        "pcc_audit_append(text, timestamptz, text, text, integer, text, integer, text, text)",
        "pcc_my_secret(text)",
        "pcc_claim_attempt(text, integer, timestamptz)",
        "pcc_attempt_right(text)",
    ):
        out.append(f"GRANT EXECUTE ON FUNCTION {fn} TO {PEOPLE}")
    out += [
        "GRANT EXECUTE ON FUNCTION pcc_create_login(text, text, text) TO pcc_admin",
        "GRANT EXECUTE ON FUNCTION pcc_set_login(text, text, boolean) TO pcc_admin",
    ]
    return out


# A patient is open when they are the person's caseload or on their ward (cheap: compared
# with the person's own row, read once per query by an uncorrelated sub-select on
# `coordinator`, whose rows everyone may read), else when `pcc_sees` says so (open steps,
# offers, grants); never one's own record. Every other table defers to the patient's policy
# with an index probe, so the rule lives in one place and costs little per row. The
# sub-selects are written out, not wrapped in functions: a function call costs ~75 us.
ME = "(SELECT c.{col} FROM public.coordinator c WHERE c.username = public.pcc_login(){live})"
LIVE = " AND c.active AND c.locked_at IS NULL"
OWN = ME.format(col="own_patient_id", live="")
SUPERVISOR = (
    "EXISTS (SELECT 1 FROM public.coordinator c WHERE c.username = public.pcc_login()"
    f"{LIVE} AND c.role = 'supervisor')"
)
PATIENT_RULE = (
    f"id IS DISTINCT FROM {OWN} AND ({SUPERVISOR}"
    f" OR coordinator_id = {ME.format(col='id', live=LIVE)}"
    f" OR (ward IS NOT NULL AND ward = {ME.format(col='ward', live=LIVE)}) OR pcc_sees(id))"
)
# OFFSET 0 keeps the EXISTS a per-row index probe: without it the planner may instead hash
# every patient the person can see (a pcc_sees call each) for every query.
CHILD_RULE = (
    f"(({{col}} IS DISTINCT FROM {OWN}) AND {SUPERVISOR})"
    " OR EXISTS (SELECT 1 FROM patient p WHERE p.id = {col} OFFSET 0)"
)


def _policies() -> list[str]:
    out: list[str] = []
    for table, col in BY_PATIENT.items():
        rule = PATIENT_RULE if table == "patient" else CHILD_RULE.format(col=f"{table}.{col}")
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY pcc_read ON {table} FOR SELECT TO {PEOPLE} USING ({rule})",
            f"CREATE POLICY pcc_add ON {table} FOR INSERT TO {WRITERS} WITH CHECK ({rule})",
            # Completing one's last step may end one's access: the check is on the row seen.
            f"CREATE POLICY pcc_change ON {table} FOR UPDATE TO {WRITERS}"
            f" USING ({rule}) WITH CHECK (true)",
        ]
        if table == "patient_name_token":
            out.append(f"CREATE POLICY pcc_drop ON {table} FOR DELETE TO {WRITERS} USING ({rule})")
    cov = "EXISTS (SELECT 1 FROM coverage c WHERE c.id = eligibility_check.coverage_id OFFSET 0)"
    out += [
        "ALTER TABLE eligibility_check ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY pcc_read ON eligibility_check FOR SELECT TO {PEOPLE} USING ({cov})",
        f"CREATE POLICY pcc_add ON eligibility_check FOR INSERT TO {WRITERS} WITH CHECK ({cov})",
        f"CREATE POLICY pcc_change ON eligibility_check FOR UPDATE TO {WRITERS}"
        f" USING ({cov}) WITH CHECK (true)",
        # Audit: one's own rows; supervisors and admins review everyone's.
        "ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY pcc_read ON audit_event FOR SELECT TO {PEOPLE} USING (actor ="
        " public.pcc_login() OR pg_has_role(session_user, 'pcc_supervisor', 'member')"
        " OR pg_has_role(session_user, 'pcc_admin', 'member'))",
        # Break the glass: one's own grants, for a limited time, never backdated.
        "ALTER TABLE access_grant ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY pcc_read ON access_grant FOR SELECT TO {PEOPLE} USING (username ="
        " public.pcc_login() OR pg_has_role(session_user, 'pcc_supervisor', 'member')"
        " OR pg_has_role(session_user, 'pcc_admin', 'member'))",
        "CREATE POLICY pcc_add ON access_grant FOR INSERT TO pcc_coordinator WITH CHECK ("
        "username = public.pcc_login() AND NOT EXISTS (SELECT 1 FROM coordinator c"
        " WHERE c.username = public.pcc_login() AND c.own_patient_id = patient_id))",
        # Presence: everyone sees who has what open; each writes only their own rows.
        "ALTER TABLE presence ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY pcc_read ON presence FOR SELECT TO {PEOPLE} USING (true)",
        f"CREATE POLICY pcc_own ON presence FOR ALL TO {PEOPLE}"
        " USING (username = public.pcc_login()) WITH CHECK (username = public.pcc_login())",
        # Accounts need no row-level security: everyone reads the granted columns, only
        # admins write (grants), and the trigger stops anyone changing their own role. (With
        # RLS on, the policies' look-up of the person's own row could not use its index.)
    ]
    return out


def _triggers() -> list[str]:
    out = [
        "CREATE TRIGGER pcc_guard BEFORE UPDATE ON coordinator"
        " FOR EACH ROW EXECUTE FUNCTION pcc_guard_coordinator()",
        "CREATE TRIGGER pcc_grant_times BEFORE INSERT ON access_grant"
        " FOR EACH ROW EXECUTE FUNCTION pcc_grant_times()",
    ]
    for table, (id_col, patient_col) in AUDITED.items():
        for op_name, ref in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            args = f"'{id_col}', '{patient_col}'"
            out.append(
                f"CREATE TRIGGER pcc_audit_{op_name.lower()} AFTER {op_name} ON {table}"
                f" REFERENCING {ref} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION pcc_audit_change({args})"
            )
    return out


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    database = bind.engine.url.database or ""
    for sql in _groups():
        op.execute(sql)
    op.execute(FUNCTIONS)
    for sql in _grants(database) + _policies() + _triggers():
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in AUDITED:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS pcc_audit_{name} ON {table}")
    op.execute("DROP TRIGGER IF EXISTS pcc_guard ON coordinator")
    op.execute("DROP TRIGGER IF EXISTS pcc_grant_times ON access_grant")
    tables = [*BY_PATIENT, "eligibility_check", "audit_event", "access_grant", "presence"]
    for table in tables:
        for policy in ("pcc_read", "pcc_add", "pcc_change", "pcc_drop", "pcc_own", "pcc_manage"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for fn in (
        "pcc_set_login(text, text, boolean)",
        "pcc_create_login(text, text, text)",
        "pcc_admin_checks(text)",
        "pcc_attempt_right(text)",
        "pcc_claim_attempt(text, integer, timestamptz)",
        "pcc_my_secret(text)",
        "pcc_guard_coordinator()",
        "pcc_grant_times()",
        "pcc_audit_change()",
        "pcc_audit_append(text, timestamptz, text, text, integer, text, integer, text, text)",
        "pcc_patient_exists(integer)",
        "pcc_review_patient(text)",
        "pcc_sees(integer)",
        "pcc_sees_all()",
        "pcc_is_person()",
        "pcc_login()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    # The group roles are cluster-wide and may serve other databases: they stay.
