/**
 * Real failures for the table intake's tests: triggers that refuse marked rows (a non-transient
 * error) or fail a set number of times with a transient one (deadlock / serialization failure).
 */
import { sql } from "kysely";
import type { MigratedDatabase } from "../store-helpers.js";

/**
 * A trigger that refuses every order row of `customerId` with an error that is neither transient nor a
 * data error (PostgreSQL raise_exception P0001, MySQL SIGNAL 45000): the whole transaction fails.
 */
export async function createRefusingTrigger(m: MigratedDatabase, customerId: string): Promise<void> {
  if (engineOfUrl(m) === "postgres") {
    await sql
      .raw(`create function refuse_marked_order() returns trigger language plpgsql as $$
      begin
        if new.customer_id = '${customerId}' then raise exception 'refused by test trigger'; end if;
        return new;
      end $$`)
      .execute(m.db);
    await sql
      .raw(`create trigger refuse_marked_order before insert on orders
      for each row execute function refuse_marked_order()`)
      .execute(m.db);
    return;
  }
  await sql
    .raw(`create trigger refuse_marked_order before insert on orders for each row
    begin
      if new.customer_id = '${customerId}' then
        signal sqlstate '45000' set message_text = 'refused by test trigger';
      end if;
    end`)
    .execute(m.db);
}

export async function dropRefusingTrigger(m: MigratedDatabase): Promise<void> {
  if (engineOfUrl(m) === "postgres") {
    await sql.raw("drop trigger refuse_marked_order on orders").execute(m.db);
    await sql.raw("drop function refuse_marked_order()").execute(m.db);
  } else await sql.raw("drop trigger refuse_marked_order").execute(m.db);
}

/**
 * A trigger that fails the transaction with a serialization failure (PostgreSQL 40001, MySQL deadlock
 * 1213) while a counter that survives the rollback (a sequence / a MyISAM table) is non-negative.
 */
export async function createTransientFailureTrigger(
  m: MigratedDatabase,
  customerId: string,
  failures: number,
) {
  if (engineOfUrl(m) === "postgres") {
    await sql.raw("create table transient_budget (n int not null)").execute(m.db);
    await sql
      .raw(`create function fail_transiently() returns trigger language plpgsql as $$
      declare left_over int;
      begin
        if new.customer_id = '${customerId}' then
          -- dblink-free "survives rollback": a sequence step is never undone
          left_over := (select n from transient_budget) - nextval('transient_seq');
          if left_over >= 0 then
            raise exception 'injected serialization failure' using errcode = 'serialization_failure';
          end if;
        end if;
        return new;
      end $$`)
      .execute(m.db);
    await sql.raw("create sequence transient_seq start 0 minvalue 0").execute(m.db);
    await sql
      .raw(`create trigger fail_transiently before insert on orders
      for each row execute function fail_transiently()`)
      .execute(m.db);
  } else {
    await sql.raw("create table transient_budget (n int not null) engine = MyISAM").execute(m.db);
    await sql
      .raw(`create trigger fail_transiently before insert on orders for each row
      begin
        if new.customer_id = '${customerId}' then
          update transient_budget set n = n - 1;
          if (select n from transient_budget) >= 0 then
            signal sqlstate '40001' set mysql_errno = 1213, message_text = 'injected deadlock';
          end if;
        end if;
      end`)
      .execute(m.db);
  }
  await setRemainingFailures(m, failures);
}

/** Failures the trigger still injects, minus the attempts past them (-1 after `failures` failures and a success). */
export async function remainingFailures(m: MigratedDatabase): Promise<number> {
  const query =
    engineOfUrl(m) === "postgres"
      ? "select n - (select last_value from transient_seq) as n from transient_budget"
      : "select n from transient_budget";
  const result = await sql.raw<{ n: number }>(query).execute(m.db);
  return Number(result.rows[0]!.n);
}

export async function setRemainingFailures(m: MigratedDatabase, failures: number): Promise<void> {
  await sql.raw("delete from transient_budget").execute(m.db);
  if (engineOfUrl(m) === "postgres") {
    await sql.raw("select setval('transient_seq', 0, true)").execute(m.db);
    // nextval now returns 1, 2, …: attempt k fails while failures - k >= 0.
    await sql.raw(`insert into transient_budget values (${failures})`).execute(m.db);
  } // the trigger decrements first: attempt k fails while failures - k >= 0
  else await sql.raw(`insert into transient_budget values (${failures})`).execute(m.db);
}

export async function dropTransientFailureTrigger(m: MigratedDatabase): Promise<void> {
  if (engineOfUrl(m) === "postgres") {
    await sql.raw("drop trigger fail_transiently on orders").execute(m.db);
    await sql.raw("drop function fail_transiently()").execute(m.db);
    await sql.raw("drop sequence transient_seq").execute(m.db);
  } else await sql.raw("drop trigger fail_transiently").execute(m.db);
  await sql.raw("drop table transient_budget").execute(m.db);
}

function engineOfUrl(m: MigratedDatabase): "postgres" | "mysql" {
  return m.url.startsWith("mysql:") ? "mysql" : "postgres";
}
