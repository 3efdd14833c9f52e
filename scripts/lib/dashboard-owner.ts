/**
 * A new site owner through the dashboard's own pages, as a person does it: sign up, follow the
 * verification mail's link (adding sites needs a verified email), add a first site. Shared by the
 * end-to-end tests and the screenshot script.
 */
import type { Page } from 'playwright-core';
import { verificationToken } from './dev-mailbox';

export interface NewOwner {
  email: string;
  password: string;
  domain: string;
  timezone: string;
}

/** Signs up in `page`, verifies the email, adds the site; returns the new site's id. */
export async function signUpAndAddSite(page: Page, workerUrl: string, owner: NewOwner): Promise<number> {
  await page.goto(`${workerUrl}/signup`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Add a site' }).waitFor();
  await page.goto(`${workerUrl}/verify-email?token=${await verificationToken(workerUrl, owner.email)}`);
  await page
    .getByText(/verified/i)
    .first()
    .waitFor();
  await page.goto(`${workerUrl}/sites/new`);
  await page.getByLabel('Domain').fill(owner.domain);
  await page.getByLabel('Time zone').selectOption(owner.timezone);
  await page.getByRole('button', { name: 'Add site' }).click();
  const open = page.getByRole('link', { name: 'Open the dashboard' });
  await open.waitFor();
  return Number((await open.getAttribute('href'))?.split('/').pop());
}
